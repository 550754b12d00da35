// PostgreSQL's own grammar as a test oracle: libpg-query (PostgreSQL's parser built to WebAssembly).
// Reads one JSON string a line on stdin (a statement) and writes one JSON object a line on stdout:
//   {"ok": true, "kind": "SelectStmt", "table": "orders", "fingerprint": "5f0c..."}  or  {"ok": false, "error": "syntax error at or near ..."}
// "kind" is the node type of the one statement (SelectStmt, InsertStmt, UpdateStmt, DeleteStmt); "table" the
// target of INSERT, UPDATE and DELETE. Several statements in one text are rejected, as a [Query] holds one.
// "fingerprint" is the SHA-1 of the statement's parse tree with every "location" left out: two texts have the same
// fingerprint exactly when PostgreSQL parses them to the same tree, whatever their spacing, case and parentheses.
// It is stricter than libpg_query's own fingerprint (which also leaves out constants' values and alias names, and
// which this package, parse-only, does not export): a writer that changes a literal or an alias changes it too.
// Usage: node oracle.js <folder holding node_modules/libpg-query>
const readline = require('readline');
const crypto = require('crypto');
const pg = require(require('path').join(process.argv[2], 'node_modules', 'libpg-query'));

const withoutLocations = (key, value) => (key === 'location' ? undefined : value);
const fingerprint = stmt => crypto.createHash('sha1').update(JSON.stringify(stmt, withoutLocations)).digest('hex');

(async () => {
  await pg.loadModule();
  const out = [];
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const sql = JSON.parse(line);
    try {
      const stmts = pg.parseSync(sql).stmts || [];
      if (stmts.length !== 1) {
        out.push({ ok: false, error: `${stmts.length} statements` });
        continue;
      }
      const kind = Object.keys(stmts[0].stmt)[0];
      const node = stmts[0].stmt[kind];
      const relation = node.relation && node.relation.relname;
      out.push(relation ? { ok: true, kind, table: relation, fingerprint: fingerprint(stmts[0].stmt) } : { ok: true, kind, fingerprint: fingerprint(stmts[0].stmt) });
    } catch (e) {
      out.push({ ok: false, error: e.message });
    }
  }
  process.stdout.write(out.map(o => JSON.stringify(o)).join('\n') + '\n');
})();
