// Reads a JSON-RPC line the way every JSON parser must agree on, or says why they might not
// (issue 12). JSON.parse forgives what others read differently: of two equal keys it keeps
// the last (some parsers keep the first), it compares keys exactly (Go's encoding/json folds
// case), it takes `1e400` for Infinity. A line mcprec forwards must mean the same to the
// server whatever parser it uses, so this walk over the bytes, for lines of any size (a
// 64 MiB line never becomes one string here):
//  - checks RFC 8259 strictly, as JSON.parse does: nothing a lenient parser would read
//    (comments, NaN, trailing commas, single quotes) passes;
//  - finds what parsers read differently (an Ambiguity): two keys of one object that are
//    equal once case is folded, at any depth; a key that is a member mcprec reads only once
//    folded (`Params`, protocol-keys.ts); `__proto__`; a lone surrogate in a key, an id, a
//    method or a tool name; an id that is not a string or a plain integer (`1e400`, `-0`,
//    2^53); a number too large for a double; a carriage return, where Python's and Node's
//    line readers end the line;
//  - collects what classification needs of each message (the line's object, or each
//    element of a batch): jsonrpc, id, method, params.name, and whether there is a result
//    or an error, in the shape scan-envelope.ts gives them.
// Invalid UTF-8 (an overlong `/` that a lax decoder takes for a slash) and nesting deeper
// than MAX_NESTING are refused outright.

import { isUtf8 } from 'node:buffer';
import { foldKey, hasLoneSurrogate } from './fold-key.js';
import { caseVariantOf, Place, placeOfElements, placeOfMember, type PlaceCode, Member } from './protocol-keys.js';

/** Lines nested deeper than this are refused: JSON.stringify and structuredClone overflow the stack not far beyond. */
export const MAX_NESTING = 512;

/** Why the parsers reading a line may not agree on what it says. */
export interface Ambiguity {
	problem: string;
	/** The message (batch element) it is in; 0 for a single message. */
	index: number;
	/** The messages whose id is in doubt (an answer must use null), by index. */
	idsInDoubt: number[];
}

export type LineInspection =
	| {
			ok: true;
			isArray: boolean;
			/** Each message's members as classification reads them; undefined for an element that is not an object. */
			messages: (Record<string, unknown> | undefined)[];
			/** The first reason parsers may disagree, if any. */
			ambiguity?: Ambiguity;
			/**
			 * Some string value holds a lone surrogate: read as it is by JavaScript and Python,
			 * as U+FFFD by Go, refused by Rust. Not refused here (a server's truncated text may
			 * hold one); the guardrails refuse it where rules read arguments.
			 */
			loneSurrogate: boolean;
	  }
	| { ok: false; problem: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CARRIAGE_RETURN = 0x0d;
// Stand-ins for values classification only type-checks (as in scan-envelope.ts).
const WRONG_TYPE_OBJECT = Object.freeze({});
const WRONG_TYPE_ARRAY = Object.freeze([]);
// Up to this many keys an object's keys are compared one by one; beyond, through a set.
const FEW_KEYS = 16;

// What the walk expects next.
const VALUE = 0;
const VALUE_OR_CLOSE = 1; // after `[`
const KEY_OR_CLOSE = 2; // after `{`
const KEY = 3; // after `,` in an object
const COLON = 4;
const AFTER_VALUE = 5;

// The members classification reads: of a message, and `name` in its params.
const { none: NO_MEMBER, jsonrpc: JSONRPC, id: ID, method: METHOD, params: PARAMS, result: RESULT, error: ERROR, toolName: TOOL_NAME } = Member;
const MESSAGE_MEMBERS = new Map([
	['jsonrpc', JSONRPC],
	['id', ID],
	['method', METHOD],
	['params', PARAMS],
	['result', RESULT],
	['error', ERROR],
]);

// Keys most messages are made of, kept as strings once: a plain key equal to one of them
// costs no new string and no folding (found by the hash of its bytes).
const COMMON_KEYS = [
	...MESSAGE_MEMBERS.keys(),
	...['name', 'arguments', '_meta', 'code', 'message', 'data', 'content', 'type', 'text', 'isError', 'structuredContent', 'tools', 'description', 'inputSchema'],
	...['outputSchema', 'annotations', 'properties', 'required', 'items', 'title', 'uri', 'mimeType', 'progressToken', 'progress', 'total', 'cursor', 'nextCursor'],
	...['protocolVersion', 'capabilities', 'clientInfo', 'serverInfo', 'version', 'requestId', 'reason', 'level', 'logger', 'path', 'resources', 'prompts'],
];
const COMMON_BY_HASH = new Map<number, { key: string; folded: string }[]>();
for (const key of COMMON_KEYS) {
	const hash = byteHash(Buffer.from(key), 0, key.length);
	COMMON_BY_HASH.set(hash, [...(COMMON_BY_HASH.get(hash) ?? []), { key, folded: foldKey(key) }]);
}

/** One open object or array. */
interface Container {
	isObject: boolean;
	/** The top-level array: its elements are messages. */
	isBatch: boolean;
	place: PlaceCode;
	/** The folded keys met so far, each followed by its spelling (objects). */
	keys: string[];
	keySet: Set<string> | undefined;
}

/** A message's members as they are met; becomes classification's fields when it closes. */
class MessageMembers {
	seen = 0;
	jsonrpc: unknown;
	id: unknown;
	method: unknown;
	params: unknown;
	paramsIsObject = false;
	name: unknown;

	// Built in one order with fixed names, as scan-envelope.ts does.
	fields(): Record<string, unknown> {
		const fields: Record<string, unknown> = {};
		if (this.seen & (1 << JSONRPC)) fields.jsonrpc = this.jsonrpc;
		if (this.seen & (1 << ID)) fields.id = this.id;
		if (this.seen & (1 << METHOD)) fields.method = this.method;
		if (this.seen & (1 << PARAMS)) fields.params = this.paramsIsObject ? { name: this.name } : this.params;
		if (this.seen & (1 << RESULT)) fields.result = true;
		if (this.seen & (1 << ERROR)) fields.error = true;
		return fields;
	}
}

class SyntaxProblem extends Error {}

export function inspectLine(body: Buffer): LineInspection {
	if (!isUtf8(body)) return { ok: false, problem: 'the line is not valid UTF-8' };
	try {
		return new LineWalk(body).run();
	} catch (error) {
		if (error instanceof SyntaxProblem) return { ok: false, problem: error.message };
		throw error;
	}
}

class LineWalk {
	private position = 0;
	private readonly stack: Container[] = [];
	private readonly messages: (MessageMembers | undefined)[] = [];
	private ambiguity: Ambiguity | undefined;
	// The message being read; the key whose value comes next, its place and member code.
	private message: MessageMembers | undefined;
	private key = '';
	private keyPlace: PlaceCode = Place.other;
	private member = NO_MEMBER;
	// Whether the string just read had an escape (only those can hold a lone surrogate).
	private escaped = false;
	// Whether any string holds a lone surrogate (values included).
	private loneSurrogate = false;

	constructor(private readonly body: Buffer) {}

	run(): LineInspection {
		const { body } = this;
		if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) throw new SyntaxProblem('the line starts with a byte order mark');
		this.skipSpaces();
		const isArray = body[this.position] === 0x5b;
		let state = VALUE;
		for (;;) {
			this.skipSpaces();
			const depth = this.stack.length;
			if (this.position >= body.length) {
				if (depth === 0 && state === AFTER_VALUE) break;
				throw new SyntaxProblem('unexpected end of the line');
			}
			const byte = body[this.position];
			switch (state) {
				case VALUE:
				case VALUE_OR_CLOSE:
					if (byte === 0x5d && state === VALUE_OR_CLOSE) {
						this.close();
						state = AFTER_VALUE;
					} else state = this.value(byte);
					break;
				case KEY_OR_CLOSE:
				case KEY:
					if (byte === 0x7d && state === KEY_OR_CLOSE) {
						this.close();
						state = AFTER_VALUE;
						break;
					}
					if (byte !== QUOTE) throw this.unexpected();
					this.readKey();
					state = COLON;
					break;
				case COLON:
					if (byte !== 0x3a) throw this.unexpected();
					this.position++;
					state = VALUE;
					break;
				case AFTER_VALUE: {
					if (depth === 0) throw this.unexpected();
					const container = this.stack[depth - 1];
					if (byte === 0x2c) {
						this.position++;
						state = container.isObject ? KEY : VALUE;
					} else if ((byte === 0x7d && container.isObject) || (byte === 0x5d && !container.isObject)) this.close();
					else throw this.unexpected();
					break;
				}
			}
		}
		// A top level that is neither an object nor an array reads as one message that is not an object.
		if (!isArray && this.messages.length === 0) this.messages.push(undefined);
		return { ok: true, isArray, messages: this.messages.map((message) => message?.fields()), ambiguity: this.ambiguity, loneSurrogate: this.loneSurrogate };
	}

	// A value starts at the current byte; returns the state after it (a container leaves its opening state).
	private value(byte: number): number {
		const { stack } = this;
		const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
		const inBatch = parent !== undefined && parent.isBatch;
		// The member of the message this value is (or of its params: the tool name).
		const member = parent !== undefined && parent.isObject ? this.member : NO_MEMBER;
		if (byte === 0x7b || byte === 0x5b) {
			if (stack.length >= MAX_NESTING) throw new SyntaxProblem(`the line is nested deeper than ${MAX_NESTING} levels`);
			const isObject = byte === 0x7b;
			// Where it sits: the top and a batch's elements are messages; the rest get their place from their container.
			let place: PlaceCode;
			if (parent === undefined || inBatch) {
				place = isObject ? Place.message : Place.other;
				if (isObject) this.message = new MessageMembers();
				if (isObject || inBatch) this.messages.push(this.message);
			} else place = parent.isObject ? this.keyPlace : placeOfElements(parent.place);
			if (member !== NO_MEMBER) this.setContainer(member, isObject);
			stack.push({ isObject, isBatch: parent === undefined && !isObject, place, keys: [], keySet: undefined });
			this.position++;
			return isObject ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
		}
		if (inBatch) this.messages.push(undefined);
		if (byte === QUOTE) {
			const text = this.readString(member !== NO_MEMBER);
			if (member !== NO_MEMBER) this.setScalar(member, text);
			return AFTER_VALUE;
		}
		if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
			const start = this.position;
			const plain = this.skipNumber();
			// Only a long or exponent number can be too large; numbers elsewhere are not read.
			if (plain && this.position - start <= 15 && member === NO_MEMBER) return AFTER_VALUE;
			const text = this.body.toString('latin1', start, this.position);
			const value = Number(text);
			// Past ±1.8e308 a double is Infinity to JavaScript, an error to Go, inf to Python.
			if (!Number.isFinite(value)) this.ambiguous(`the number ${text} is too large to mean the same to every parser`, member === ID);
			else if (member === ID && (!plain || text === '-0' || !Number.isSafeInteger(value))) {
				this.ambiguous(`the id ${text} is not a string or an integer that every parser reads alike (MCP ids are strings or integers)`, true);
			}
			if (member !== NO_MEMBER) this.setScalar(member, value);
			return AFTER_VALUE;
		}
		const literal = this.readLiteral();
		if (member !== NO_MEMBER) this.setScalar(member, literal);
		return AFTER_VALUE;
	}

	// An object or array where a member is: for params, its name is filled in later; result
	// and error only need to be there; anything else is the wrong type whatever it holds.
	private setContainer(member: number, isObject: boolean): void {
		const message = this.message!;
		if (member === TOOL_NAME) {
			message.name = WRONG_TYPE_OBJECT;
			return;
		}
		message.seen |= 1 << member;
		const marker = isObject ? WRONG_TYPE_OBJECT : WRONG_TYPE_ARRAY;
		if (member === JSONRPC) message.jsonrpc = marker;
		else if (member === ID) message.id = marker;
		else if (member === METHOD) message.method = marker;
		else if (member === PARAMS) {
			message.params = marker;
			message.paramsIsObject = isObject;
			message.name = undefined;
		}
	}

	private setScalar(member: number, value: unknown): void {
		const message = this.message!;
		if (typeof value === 'string' && this.escaped && hasLoneSurrogate(value)) {
			this.ambiguous(`the ${member === TOOL_NAME ? 'tool name' : 'envelope'} holds a lone surrogate (\\ud800-\\udfff), which parsers decode differently`, member === ID);
		}
		if (member === TOOL_NAME) {
			message.name = value;
			return;
		}
		message.seen |= 1 << member;
		if (member === JSONRPC) message.jsonrpc = value;
		else if (member === ID) message.id = value;
		else if (member === METHOD) message.method = value;
		else if (member === PARAMS) {
			message.params = value;
			message.paramsIsObject = false;
		}
	}

	private close(): void {
		this.position++;
		const container = this.stack.pop()!;
		if (container.place === Place.message) this.message = undefined;
	}

	private readKey(): void {
		const container = this.stack[this.stack.length - 1];
		const start = this.position + 1;
		this.readString(false);
		const end = this.position - 1;
		let key: string;
		let folded: string;
		const common = this.escaped ? undefined : commonKey(this.body, start, end);
		if (common !== undefined) {
			key = common.key;
			folded = common.folded;
		} else {
			key = this.decode(start, end);
			folded = foldKey(key);
			if (key === '__proto__') this.ambiguous("the key '__proto__' sets the prototype of the object in some JavaScript code that copies it", false);
			else if (this.escaped && hasLoneSurrogate(key)) this.ambiguous(`the key ${JSON.stringify(key)} holds a lone surrogate (\\ud800-\\udfff), which parsers decode differently`, false);
		}
		const { place } = container;
		const previous = this.seen(container, folded, key);
		if (previous !== undefined) {
			const what = previous === key ? `the key '${key}' twice` : `the keys '${previous}' and '${key}'`;
			this.ambiguous(`${what} in one object${where(place)}; parsers differ on which one counts`, place === Place.message && folded === 'id');
		} else if (place !== Place.other) {
			const name = caseVariantOf(place, key, folded);
			if (name !== undefined) this.ambiguous(`the key '${key}'${where(place)} is '${name}' to a case-insensitive parser and nothing to others`, place === Place.message && name === 'id');
		}
		this.key = key;
		this.keyPlace = placeOfMember(place, key);
		this.member = place === Place.message ? (MESSAGE_MEMBERS.get(key) ?? NO_MEMBER) : place === Place.params && key === 'name' && this.message?.paramsIsObject ? TOOL_NAME : NO_MEMBER;
	}

	// The earlier key of the object that folds like this one (its spelling), or undefined; remembers this one.
	private seen(container: Container, folded: string, key: string): string | undefined {
		const { keys } = container;
		if (container.keySet === undefined) {
			for (let index = 0; index < keys.length; index += 2) if (keys[index] === folded) return keys[index + 1];
			keys.push(folded, key);
			if (keys.length > FEW_KEYS * 2) {
				container.keySet = new Set();
				for (let index = 0; index < keys.length; index += 2) container.keySet.add(keys[index]);
			}
			return undefined;
		}
		if (container.keySet.has(folded)) {
			for (let index = 0; index < keys.length; index += 2) if (keys[index] === folded) return keys[index + 1];
		}
		container.keySet.add(folded);
		keys.push(folded, key);
		return undefined;
	}

	private ambiguous(problem: string, idInDoubt: boolean): void {
		const index = Math.max(this.messages.length - 1, 0);
		this.ambiguity ??= { problem, index, idsInDoubt: [] };
		if (idInDoubt && !this.ambiguity.idsInDoubt.includes(index)) this.ambiguity.idsInDoubt.push(index);
	}

	// A JSON string at the current quote: checked, the position moved past it, and decoded
	// when asked (the members classification reads; other strings may be huge).
	private readString(decode: boolean): string | undefined {
		const { body } = this;
		const start = this.position + 1;
		let position = start;
		let escaped = false;
		for (;;) {
			position = stringStop(body, position);
			if (position >= body.length) throw new SyntaxProblem('a string has no end');
			const byte = body[position];
			if (byte === QUOTE) break;
			if (byte !== BACKSLASH) throw new SyntaxProblem(`a control character (0x${byte.toString(16).padStart(2, '0')}) in a string at byte ${position}`);
			escaped = true;
			position = body[position + 1] === 0x75 ? this.skipUnicodeEscape(position) : skipEscape(body, position);
		}
		this.position = position + 1;
		this.escaped = escaped;
		return decode ? this.decode(start, position) : undefined;
	}

	// Past a \u escape and, for a high surrogate, the low one that must follow it; a surrogate
	// without its pair is noted (JavaScript and Python keep it, Go reads U+FFFD, Rust fails).
	private skipUnicodeEscape(position: number): number {
		const unit = hexUnit(this.body, position + 2);
		if (unit < 0xd800 || unit > 0xdfff) return position + 6;
		if (unit <= 0xdbff && this.body[position + 6] === BACKSLASH && this.body[position + 7] === 0x75) {
			const low = hexUnit(this.body, position + 8);
			if (low >= 0xdc00 && low <= 0xdfff) return position + 12;
		}
		this.loneSurrogate = true;
		return position + 6;
	}

	// The string between a string's quotes, whose escape state readString just found.
	private decode(start: number, end: number): string {
		if (this.escaped) return JSON.parse(this.body.toString('utf8', start - 1, end + 1)) as string;
		return this.body.toString('utf8', start, end);
	}

	// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; true for an integer (no fraction, no exponent).
	private skipNumber(): boolean {
		const { body } = this;
		let position = this.position;
		if (body[position] === 0x2d) position++;
		if (body[position] === 0x30) position++;
		else if (isDigit(body[position])) while (isDigit(body[position])) position++;
		else throw this.unexpected(position);
		let plain = true;
		if (body[position] === 0x2e) {
			plain = false;
			position++;
			if (!isDigit(body[position])) throw this.unexpected(position);
			while (isDigit(body[position])) position++;
		}
		if (body[position] === 0x65 || body[position] === 0x45) {
			plain = false;
			position++;
			if (body[position] === 0x2b || body[position] === 0x2d) position++;
			if (!isDigit(body[position])) throw this.unexpected(position);
			while (isDigit(body[position])) position++;
		}
		this.position = position;
		return plain;
	}

	private readLiteral(): boolean | null {
		const { body, position } = this;
		if (matches(body, position, 'true')) {
			this.position += 4;
			return true;
		}
		if (matches(body, position, 'false')) {
			this.position += 5;
			return false;
		}
		if (matches(body, position, 'null')) {
			this.position += 4;
			return null;
		}
		throw this.unexpected();
	}

	// JSON's whitespace. A carriage return is whitespace to JSON but a line break to the line
	// readers of Python's MCP SDK (universal newlines) and Node's readline: they would read
	// the line as several messages.
	private skipSpaces(): void {
		const { body } = this;
		let position = this.position;
		for (; position < body.length; position++) {
			const byte = body[position];
			if (byte === 0x20 || byte === 0x09 || byte === 0x0a) continue;
			if (byte !== CARRIAGE_RETURN) break;
			this.ambiguous('a carriage return inside the line, where some servers end a line', false);
		}
		this.position = position;
	}

	private unexpected(position = this.position): SyntaxProblem {
		if (position >= this.body.length) return new SyntaxProblem('unexpected end of the line');
		const byte = this.body[position];
		const shown = byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
		return new SyntaxProblem(`unexpected ${shown} at byte ${position}`);
	}
}

// The first quote, backslash or control character from `position` on (the end when none):
// the only bytes in a string that need a look. A tight loop of its own, so it compiles well.
function stringStop(body: Buffer, position: number): number {
	const length = body.length;
	while (position < length) {
		const byte = body[position];
		if (byte === QUOTE || byte === BACKSLASH || byte < 0x20) return position;
		position++;
	}
	return position;
}

// Past the escape at `position` (a backslash) other than \u: \" \\ \/ \b \f \n \r \t.
function skipEscape(body: Buffer, position: number): number {
	const next = body[position + 1];
	if (next === 0x6e || next === 0x22 || next === 0x5c || next === 0x2f || next === 0x74 || next === 0x72 || next === 0x62 || next === 0x66) return position + 2;
	throw new SyntaxProblem(`a bad escape at byte ${position}`);
}

// The code unit of the four hex digits at `position` (a \u escape's), checked.
function hexUnit(body: Buffer, position: number): number {
	let unit = 0;
	for (let index = position; index < position + 4; index++) {
		const byte = body[index];
		if (!isHexDigit(byte)) throw new SyntaxProblem(`a bad escape at byte ${position - 2}`);
		unit = unit * 16 + (byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x57);
	}
	return unit;
}

// A common key spelled exactly so between start and end (no escapes), or undefined.
function commonKey(body: Buffer, start: number, end: number): { key: string; folded: string } | undefined {
	const candidates = COMMON_BY_HASH.get(byteHash(body, start, end));
	if (candidates === undefined) return undefined;
	for (const candidate of candidates) if (candidate.key.length === end - start && matches(body, start, candidate.key)) return candidate;
	return undefined;
}

function byteHash(body: Buffer, start: number, end: number): number {
	let hash = end - start;
	for (let position = start; position < end; position++) hash = (Math.imul(hash, 31) + body[position]) | 0;
	return hash;
}

function where(place: PlaceCode): string {
	switch (place) {
		case Place.message:
			return ' of the message';
		case Place.params:
			return ' of params';
		case Place.result:
			return ' of the result';
		default:
			return '';
	}
}

function matches(body: Buffer, position: number, word: string): boolean {
	for (let index = 0; index < word.length; index++) if (body[position + index] !== word.charCodeAt(index)) return false;
	return true;
}

// A Buffer read past its end gives undefined, which is no digit.
function isDigit(byte: number | undefined): boolean {
	return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function isHexDigit(byte: number | undefined): boolean {
	return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}
