// An evidence bundle: one session as a collector holds it, in a file anyone can check
// offline (issue 20). A plain ustar archive, so `tar xf` opens it too, of one folder:
//   session.json     the session document and what the collector knows of it
//   events.ndjson    every event in the wire form (src/event/event-forms.ts), in seq order
//   seal.json        the device's signed head (absent when the session is unsigned)
//   device-key.json  the public key the device registered (absent when unsigned)
//   README.txt       how to check it: `mcprec verify --bundle FILE`, or by hand
// Reading accepts exactly what writing makes: regular files in one folder, nothing else.

export const BUNDLE_FILES = ['session.json', 'events.ndjson', 'seal.json', 'device-key.json', 'README.txt'] as const;
export type BundleFileName = (typeof BUNDLE_FILES)[number];

const BLOCK = 512;

/** A ustar archive of `files` under `folder/`, with a fixed mtime so equal input gives equal bytes. */
export function writeBundle(folder: string, files: Partial<Record<BundleFileName, Buffer | string>>, mtimeSeconds: number): Buffer {
	const chunks: Buffer[] = [];
	for (const name of BUNDLE_FILES) {
		const content = files[name];
		if (content === undefined) continue;
		const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
		chunks.push(tarHeader(`${folder}/${name}`, bytes.length, mtimeSeconds), bytes, Buffer.alloc((BLOCK - (bytes.length % BLOCK)) % BLOCK));
	}
	chunks.push(Buffer.alloc(BLOCK * 2));
	return Buffer.concat(chunks);
}

/** The files of a bundle, by name (without the folder); throws a readable error on anything else. */
export function readBundle(archive: Buffer): { folder: string; files: Partial<Record<BundleFileName, Buffer>> } {
	const files: Partial<Record<BundleFileName, Buffer>> = {};
	let folder: string | undefined;
	let offset = 0;
	while (offset + BLOCK <= archive.length) {
		const header = archive.subarray(offset, offset + BLOCK);
		if (header.every((byte) => byte === 0)) return { folder: folder ?? '', files };
		if (header.toString('latin1', 257, 262) !== 'ustar') throw new Error(`not an mcprec evidence bundle: the entry at byte ${offset} is not a ustar header`);
		const stored = readChecksum(header);
		if (stored !== checksum(header)) throw new Error(`the bundle's entry at byte ${offset} has a bad checksum (the file is damaged)`);
		const path = cString(header, 345, 155) ? `${cString(header, 345, 155)}/${cString(header, 0, 100)}` : cString(header, 0, 100);
		const size = parseInt(cString(header, 124, 12).trim() || '0', 8);
		const type = String.fromCharCode(header[156]!);
		if (type !== '0' && type !== '\0') throw new Error(`the bundle holds '${path}', which is not a plain file`);
		const slash = path.indexOf('/');
		const name = path.slice(slash + 1) as BundleFileName;
		if (slash <= 0 || !BUNDLE_FILES.includes(name)) throw new Error(`the bundle holds '${path}', which an evidence bundle does not have (expected ${BUNDLE_FILES.join(', ')} in one folder)`);
		if (folder !== undefined && path.slice(0, slash) !== folder) throw new Error(`the bundle holds files of two folders ('${folder}', '${path.slice(0, slash)}')`);
		folder = path.slice(0, slash);
		if (offset + BLOCK + size > archive.length) throw new Error(`the bundle ends inside '${path}' (the file is truncated)`);
		files[name] = archive.subarray(offset + BLOCK, offset + BLOCK + size);
		offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
	}
	throw new Error('the bundle ends without its closing blocks (the file is truncated)');
}

function tarHeader(path: string, size: number, mtimeSeconds: number): Buffer {
	const header = Buffer.alloc(BLOCK);
	if (Buffer.byteLength(path) > 100) throw new Error(`bundle path too long: ${path}`);
	header.write(path, 0, 100, 'utf8');
	header.write('0000644\0', 100, 'latin1');
	header.write('0000000\0', 108, 'latin1');
	header.write('0000000\0', 116, 'latin1');
	header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
	header.write(`${Math.max(0, Math.floor(mtimeSeconds)).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
	header.write('        ', 148, 'latin1');
	header.write('0', 156, 'latin1');
	header.write('ustar\u000000', 257, 'latin1');
	header.write('mcprec', 265, 'latin1');
	header.write('mcprec', 297, 'latin1');
	header.write(`${checksum(header).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
	return header;
}

// The sum of the header's bytes with the checksum field counted as spaces (POSIX ustar).
function checksum(header: Buffer): number {
	let sum = 0;
	for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : header[index]!;
	return sum;
}

function readChecksum(header: Buffer): number {
	return parseInt(cString(header, 148, 8).trim() || '-1', 8);
}

function cString(buffer: Buffer, start: number, length: number): string {
	const slice = buffer.subarray(start, start + length);
	const end = slice.indexOf(0);
	return slice.toString('utf8', 0, end === -1 ? length : end);
}
