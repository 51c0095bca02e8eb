// csv_check.js — reads an RFC 4180 CSV file (UTF-8, optional byte-order mark)
// and prints it as JSON: {"bom": bool, "rows": [[cell, …], …]}. Used by the
// shell tests to look into cells (quoted commas, newlines) without guessing.
'use strict';
const fs = require('fs');
let s = fs.readFileSync(process.argv[2], 'utf8');
const bom = s.charCodeAt(0) === 0xfeff;
if (bom) s = s.slice(1);
const rows = [];
let row = [], cell = '', i = 0, quoted = false;
while (i < s.length) {
	const c = s[i];
	if (quoted) {
		if (c === '"' && s[i + 1] === '"') { cell += '"'; i += 2; continue; }
		if (c === '"') { quoted = false; i++; continue; }
		cell += c; i++; continue;
	}
	if (c === '"') { quoted = true; i++; continue; }
	if (c === ',') { row.push(cell); cell = ''; i++; continue; }
	if (c === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
	if (c === '\n') throw new Error('bare LF outside a quoted cell at ' + i);
	cell += c; i++;
}
if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
process.stdout.write(JSON.stringify({bom, rows}));
