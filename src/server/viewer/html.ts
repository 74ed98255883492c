// HTML for the viewer's server-rendered pages: a tagged template that escapes every
// interpolated value unless it is already Html, so page code cannot forget to.

/** Markup that is safe to insert as is. */
export class Html {
	constructor(readonly text: string) {}
	toString(): string {
		return this.text;
	}
}

type Value = Html | string | number | boolean | null | undefined | Value[];

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
	let text = strings[0]!;
	for (let index = 0; index < values.length; index++) text += render(values[index]) + strings[index + 1]!;
	return new Html(text);
}

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function render(value: Value): string {
	if (value === null || value === undefined || value === false) return '';
	if (value instanceof Html) return value.text;
	if (Array.isArray(value)) return value.map(render).join('');
	return escapeHtml(String(value));
}
