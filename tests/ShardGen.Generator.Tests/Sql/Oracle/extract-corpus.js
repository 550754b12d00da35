// Extracts the DML statements of PostgreSQL's regression suite into a corpus for PostgresOracleTests: one JSON string a line.
// Not run by the tests; run by hand when the corpus is refreshed:
//   node extract-corpus.js <dir of postgres_regress/*.sql> > ../Corpus/postgres-regress.jsonl
// The files come from src/test/regress/sql of PostgreSQL (as mirrored in pganalyze/libpg_query, test/sql/postgres_regress).
// Statements are split at a ';' outside strings, quoted names, dollar quotes and comments; psql's backslash commands and
// statements using psql variables (:name) are dropped. Kept: statements that start with SELECT, INSERT, UPDATE, DELETE,
// WITH, VALUES or TABLE, up to 2,000 characters, each once. Whether PostgreSQL accepts one is decided at test time by the oracle.
const fs = require('fs');
const path = require('path');

function split(text) {
  const out = [];
  let start = 0, i = 0;
  while (i < text.length) {
    const c = text[i], n = text[i + 1];
    if (c === '-' && n === '-') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '/' && n === '*') { let d = 1; i += 2; while (i < text.length && d > 0) { if (text[i] === '/' && text[i + 1] === '*') { d++; i += 2; } else if (text[i] === '*' && text[i + 1] === '/') { d--; i += 2; } else i++; } continue; }
    if (c === "'" || c === '"') { i++; while (i < text.length && !(text[i] === c && text[i + 1] !== c)) { i += text[i] === c ? 2 : (c === "'" && text[i] === '\\' && /[eE]$/.test(text.slice(0, start)) ? 2 : 1); } i++; continue; }
    if (c === '$') { const m = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i)); if (m && !/[A-Za-z_0-9]/.test(text[i - 1] || '')) { const end = text.indexOf(m[0], i + m[0].length); i = end < 0 ? text.length : end + m[0].length; continue; } }
    // A psql backslash command ends the statement before it (\g, \gset) and runs to the end of its line.
    if (c === '\\') { const eol = text.indexOf('\n', i); const line = eol < 0 ? text.length : eol; out.push(text.slice(start, i)); i = line; start = line; continue; }
    if (c === ';') { out.push(text.slice(start, i)); start = i + 1; }
    i++;
  }
  return out;
}

function strip(statement) {
  // Leading comments and blank lines belong to no statement.
  let s = statement;
  for (;;) {
    const t = s.replace(/^\s+/, '');
    if (t.startsWith('--')) { const eol = t.indexOf('\n'); s = eol < 0 ? '' : t.slice(eol + 1); continue; }
    if (t.startsWith('/*')) { const end = t.indexOf('*/'); s = end < 0 ? '' : t.slice(end + 2); continue; }
    return t.replace(/\s+$/, '');
  }
}

const dir = process.argv[2];
const seen = new Set();
for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.sql')).sort()) {
  for (const raw of split(fs.readFileSync(path.join(dir, file), 'utf8'))) {
    const s = strip(raw);
    if (!/^(select|insert|update|delete|with|values|table)\b/i.test(s)) continue;
    if (s.length > 2000 || /(^|[^:]):['"]?[A-Za-z_]/.test(s.replace(/'[^']*'/g, "''")) || seen.has(s)) continue;
    seen.add(s);
    process.stdout.write(JSON.stringify(s) + '\n');
  }
}
