// The members mcprec reads by name, by where they sit in a message. A key there that is one
// of them only once letters are folded (`Params`, `NAME`, `paramſ`) is that member to a
// case-insensitive server (Go encoding/json) and nothing to mcprec, which would then check
// a call without its tool or arguments. Arguments are the policy's business: the names its
// rules look up are checked by the guardrails stage.

/** Where in a message a key sits; the top level of a line, or each element of a batch, is MESSAGE. */
export const Place = {
	other: 0,
	message: 1,
	params: 2,
	meta: 3,
	result: 4,
	toolList: 5,
	tool: 6,
	annotations: 7,
	rootList: 8,
	root: 9,
} as const;

export type PlaceCode = (typeof Place)[keyof typeof Place];

interface PlaceRule {
	/** The names read here, by their folded spelling. */
	names: Map<string, string>;
	/** The place of a member's value, by the member's exact name. */
	children: Map<string, PlaceCode>;
	/** The place of an array's object elements. */
	elements?: PlaceCode;
}

const rule = (names: string[], children: Record<string, PlaceCode> = {}, elements?: PlaceCode): PlaceRule => ({
	names: new Map(names.map((name) => [name.toLowerCase(), name])),
	children: new Map(Object.entries(children)),
	elements,
});

// JSON-RPC 2.0 §4-5 for the envelope; MCP for the rest: what the stages, the approvals and
// the session facts read (params.name and arguments for rules, requestId to cancel a held
// call, requestState/inputResponses for a modern approval, _meta and initialize for the
// protocol era; result.tools for hiding and pinning, result.roots for path rules).
const RULES: PlaceRule[] = [];
RULES[Place.other] = rule([]);
RULES[Place.message] = rule(['jsonrpc', 'id', 'method', 'params', 'result', 'error'], { params: Place.params, result: Place.result });
RULES[Place.params] = rule(['name', 'arguments', '_meta', 'requestId', 'requestState', 'inputResponses', 'protocolVersion', 'capabilities', 'clientInfo'], { _meta: Place.meta });
RULES[Place.meta] = rule(['io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientCapabilities', 'io.modelcontextprotocol/clientInfo', 'protocolVersion']);
RULES[Place.result] = rule(['tools', 'roots', 'protocolVersion'], { tools: Place.toolList, roots: Place.rootList });
RULES[Place.toolList] = rule([], {}, Place.tool);
RULES[Place.tool] = rule(['name', 'annotations'], { annotations: Place.annotations });
RULES[Place.annotations] = rule(['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']);
RULES[Place.rootList] = rule([], {}, Place.root);
RULES[Place.root] = rule(['uri']);

/** The member a key stands for at a place when it is spelled otherwise (`Params` for params), or undefined. */
export function caseVariantOf(place: PlaceCode, key: string, folded: string): string | undefined {
	const name = RULES[place].names.get(folded);
	return name !== undefined && name !== key ? name : undefined;
}

/** The place of the value of `key` at `place`. */
export function placeOfMember(place: PlaceCode, key: string): PlaceCode {
	if (place === Place.other) return Place.other;
	return RULES[place].children.get(key) ?? Place.other;
}

/** The place of the elements of an array at `place`. */
export function placeOfElements(place: PlaceCode): PlaceCode {
	return RULES[place].elements ?? Place.other;
}

/** Every name read somewhere, folded: a key that folds to one of these may need a closer look. */
export const FOLDED_PROTOCOL_NAMES: ReadonlySet<string> = new Set(RULES.flatMap((entry) => [...entry.names.keys()]));

/** Every name read somewhere, exactly spelled. */
export const PROTOCOL_NAMES: ReadonlySet<string> = new Set(RULES.flatMap((entry) => [...entry.names.values()]));

/** The members a line's classification reads, by code: of a message, and `name` in its params. */
export const Member: Readonly<Record<'none' | 'jsonrpc' | 'id' | 'method' | 'params' | 'result' | 'error' | 'toolName', number>> = { none: 0, jsonrpc: 1, id: 2, method: 3, params: 4, result: 5, error: 6, toolName: 7 };
