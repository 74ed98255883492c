// How the screen is shared: header, exchange list, detail pane, footer.

export interface TimelineLayout {
	columns: number;
	/** Lines the app draws: one less than the terminal has (see below). */
	height: number;
	/** Rows of exchanges in the list, and of text in the detail pane. */
	listRows: number;
	detailRows: number;
	/** Width inside a bordered pane. */
	paneWidth: number;
	tooSmall: boolean;
}

export const HEADER_ROWS = 2;
export const FOOTER_ROWS = 1;
/** A pane's top and bottom border plus its title line. */
export const PANE_CHROME_ROWS = 3;
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 1 + HEADER_ROWS + FOOTER_ROWS + 2 * PANE_CHROME_ROWS + 4;

export function timelineLayout({ columns, rows, exchangeCount }: { columns: number; rows: number; exchangeCount: number }): TimelineLayout {
	// Ink clears the whole terminal on every frame that fills it; one spare line keeps redraws incremental.
	const height = Math.max(1, rows - 1);
	const content = height - HEADER_ROWS - FOOTER_ROWS - 2 * PANE_CHROME_ROWS;
	const tooSmall = columns < MIN_COLUMNS || content < 4;
	// The list takes up to 40% of the room, less when the session is short; the detail pane the rest.
	const wanted = Math.min(Math.max(exchangeCount, 1), Math.round(content * 0.4));
	const listRows = Math.max(2, Math.min(wanted, content - 2));
	return {
		columns,
		height,
		listRows: tooSmall ? 0 : listRows,
		detailRows: tooSmall ? 0 : content - listRows,
		paneWidth: Math.max(0, columns - 2),
		tooSmall,
	};
}
