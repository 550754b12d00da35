-- The constructs a query pinned to one key must run (issue 14): one statement a line. PostgresOracleTests checks that
-- PostgreSQL accepts each and that ShardGen parses each whole.
-- Operators, by PostgreSQL's precedence, generic and user-defined ones included
SELECT id FROM messages WHERE tenant_id = @tenant AND body::jsonb ->> 'kind' = @kind
SELECT body::jsonb -> 'a' -> 'b', body::jsonb #> '{a,b}', body::jsonb #>> '{a,b}' FROM messages WHERE tenant_id = @tenant
SELECT id FROM messages WHERE tenant_id = @tenant AND body::jsonb @> @filter::jsonb AND NOT body::jsonb <@ '{}'::jsonb
SELECT id FROM messages WHERE tenant_id = @tenant AND (body::jsonb ? 'a' OR body::jsonb ?| array['b', 'c'] OR body::jsonb ?& array['d'])
SELECT body::jsonb #- '{a}', body::jsonb @? '$.a' FROM messages WHERE tenant_id = @tenant
SELECT id FROM messages WHERE tenant_id = @tenant AND to_tsvector('english', body) @@ plainto_tsquery('english', @q)
SELECT id FROM messages WHERE tenant_id = @tenant AND body ~ @pattern AND body ~* 'x' AND body !~ 'y' AND body !~* 'z'
SELECT id FROM messages WHERE tenant_id = @tenant AND tags && @tags AND tags || 'x' <> tags
SELECT id FROM messages WHERE tenant_id = @tenant AND a OPERATOR(pg_catalog.+) 1 > 2 AND b ### c AND |/ d > 1 AND @ -e > 1
SELECT 2 ^ 3 ^ 2, - 2 ^ 2, 1 + 2 * 3 % 4, 'a' || 'b' || 'c', a IS NOT DISTINCT FROM b
SELECT id FROM messages WHERE tenant_id = @tenant AND body SIMILAR TO '%(a|b)%' AND body NOT SIMILAR TO 'x' ESCAPE '!'
SELECT id FROM messages WHERE tenant_id = @tenant AND body LIKE 'a!%%' ESCAPE '!' AND body NOT ILIKE 'b%' ESCAPE '\'
SELECT id FROM messages WHERE tenant_id = @tenant AND body LIKE ANY (@patterns) AND body NOT ILIKE ALL (array['a%', 'b%'])
SELECT id FROM messages WHERE tenant_id = @tenant AND id > ALL (@ids) AND id <> ALL (ARRAY[1, 2]) AND id = SOME (@ids) AND id = ANY (ARRAY[@a, @b])
SELECT ARRAY[1, 2, 3], ARRAY[[1, 2], [3, 4]], ARRAY[]::int[], ARRAY(SELECT id FROM messages WHERE tenant_id = @tenant)
SELECT tags[1], tags[2:3], tags[:2], tags[2:], (tags)[1], matrix[1][2] FROM messages WHERE tenant_id = @tenant
SELECT ROW(1, 'a'), ROW(), (1, 2) FROM messages WHERE tenant_id = @tenant
SELECT id FROM messages WHERE tenant_id = @tenant AND (sent_at, id) < (@after_sent_at, @after_id) ORDER BY sent_at DESC, id DESC LIMIT @n
SELECT id FROM messages WHERE tenant_id = @tenant AND ROW(sent_at, id) >= ROW(@a, @b)
SELECT (address).city, (m.address).zip, (compute_pair(1)).*, (m).id FROM messages m WHERE tenant_id = @tenant
SELECT body COLLATE "C", body COLLATE pg_catalog."default" FROM messages WHERE tenant_id = @tenant ORDER BY body COLLATE "C"
SELECT $$it's$$, $tag$a $$ b$tag$, U&'d\0061t\+000061', U&'d!0061t' UESCAPE '!', B'1010', X'1F', E'a\nb', N'national'
SELECT substring(body FROM 2 FOR 3), substring(body FROM 'a.c'), substring(body SIMILAR 'a' ESCAPE '!'), substring(body, 1, 2) FROM messages WHERE tenant_id = @tenant
SELECT trim(BOTH 'x' FROM body), trim(LEADING FROM body), trim(TRAILING 'y' FROM body), trim(body), trim(FROM body) FROM messages WHERE tenant_id = @tenant
SELECT overlay(body PLACING 'x' FROM 2 FOR 1), overlay(body PLACING 'x' FROM 2), position('a' IN body) FROM messages WHERE tenant_id = @tenant
SELECT concat_ws(',', VARIADIC ARRAY['a', 'b']), make_interval(days => 1, hours := 2), format('%s', VARIADIC @args)
SELECT extract(epoch FROM sent_at), date_part('year', sent_at), sent_at AT TIME ZONE 'UTC', interval '1' day, interval '1 day' hour to minute FROM messages WHERE tenant_id = @tenant
SELECT CAST(id AS numeric(10, 2)), id::varchar(20), '1'::int[], '{}'::text[][], timestamp '2020-01-01', double precision '1.5', bit varying(3) '101'
SELECT EXISTS (SELECT 1), (SELECT 1), 1 IN (1, 2), 1 NOT IN (SELECT 1), x IS TRUE, x IS NOT UNKNOWN, x ISNULL, x NOTNULL, 1 BETWEEN SYMMETRIC 2 AND 0
SELECT CASE WHEN a THEN 1 ELSE 2 END, COALESCE(a, b), NULLIF(a, b), GREATEST(a, b), LEAST(a, b), a IS DOCUMENT FROM t
SELECT id FROM messages WHERE tenant_id = @tenant AND id = ANY (SELECT message_id FROM replies WHERE tenant_id = @tenant) AND n > ALL (SELECT n FROM replies WHERE tenant_id = @tenant) AND body LIKE SOME (SELECT pattern FROM filters)
SELECT xmlelement(name item, xmlattributes(id AS "id", body), 'text', xmlelement(name "sub-item")), xmlforest(body, id AS ident), xmlconcat(xmlcomment('c'), '<a/>'::xml) FROM messages WHERE tenant_id = @tenant
SELECT xmlparse(document '<a/>'), xmlparse(content body strip whitespace), xmlpi(name php, 'echo'), xmlpi(name x), xmlroot('<a/>'::xml, version '1.0', standalone yes), xmlroot(x, version no value, standalone no value), xmlroot(x, version no value)
SELECT xmlserialize(document '<a/>'::xml AS text), xmlserialize(content x AS varchar(20) indent), xmlserialize(content x AS text no indent), x IS NOT DOCUMENT FROM t WHERE xmlexists('//a' PASSING BY REF x) AND xmlexists('//b' PASSING x BY VALUE)
-- FROM items
SELECT u.tag, u.n FROM messages m, unnest(m.tags) WITH ORDINALITY AS u(tag, n) WHERE m.tenant_id = @tenant
SELECT g FROM generate_series(1, @n) g
SELECT g.i FROM generate_series(1, 10) AS g(i) WHERE g.i > @min
SELECT e.value FROM messages m CROSS JOIN LATERAL jsonb_array_elements(m.body::jsonb) AS e WHERE m.tenant_id = @tenant
SELECT x.a, x.b FROM json_to_record('{"a":1}') AS x(a int, b text)
SELECT * FROM ROWS FROM (unnest(ARRAY[1, 2]), generate_series(1, 3)) WITH ORDINALITY AS r(a, b, n)
SELECT m.id, last.id FROM messages m LEFT JOIN LATERAL (SELECT id FROM replies r WHERE r.tenant_id = m.tenant_id AND r.message_id = m.id ORDER BY id DESC LIMIT 1) last ON true WHERE m.tenant_id = @tenant
SELECT v.x, v.y FROM (VALUES (1, 'a'), (2, 'b')) AS v(x, y)
SELECT * FROM (VALUES (1)) v(x)
SELECT t.a FROM (SELECT id FROM messages WHERE tenant_id = @tenant) AS t(a)
SELECT m.id FROM messages AS m(id_alias, t_alias) WHERE m.t_alias = @tenant
SELECT * FROM messages JOIN replies USING (tenant_id, message_id) WHERE tenant_id = @tenant
SELECT j.tenant_id FROM messages JOIN replies USING (tenant_id) AS j WHERE j.tenant_id = @tenant
SELECT * FROM messages NATURAL JOIN replies NATURAL LEFT JOIN likes WHERE tenant_id = @tenant
SELECT * FROM (messages m JOIN replies r ON r.tenant_id = m.tenant_id) JOIN likes l ON l.tenant_id = m.tenant_id WHERE m.tenant_id = @tenant
SELECT * FROM messages m JOIN (replies r JOIN likes l ON l.tenant_id = r.tenant_id) ON r.tenant_id = m.tenant_id WHERE m.tenant_id = @tenant
SELECT * FROM ((messages m JOIN replies r USING (tenant_id)) AS j LEFT JOIN likes l ON l.tenant_id = j.tenant_id) WHERE tenant_id = @tenant
SELECT * FROM ONLY messages WHERE tenant_id = @tenant
SELECT FROM messages WHERE tenant_id = @tenant
SELECT x.* FROM messages m, XMLTABLE(XMLNAMESPACES('http://x' AS n, DEFAULT 'http://d'), '/n:rows/n:row' PASSING BY VALUE (m.body::xml) COLUMNS id int PATH '@id' NOT NULL, name text PATH 'name' DEFAULT 'none', ord FOR ORDINALITY, note text NULL) AS x WHERE m.tenant_id = @tenant
SELECT * FROM LATERAL xmltable('/r' PASSING ('<r/>'::xml) BY REF COLUMNS a text, z int) t(b), xmltable('/s' PASSING (SELECT '<s/>'::xml) COLUMNS c int)
SELECT * FROM messages TABLESAMPLE SYSTEM (10) REPEATABLE (1) WHERE tenant_id = @tenant
SELECT m.id FROM ONLY messages AS m TABLESAMPLE bernoulli (@percent) JOIN replies r TABLESAMPLE public.system_rows (5) ON r.id = m.id WHERE m.tenant_id = @tenant
-- Clauses
SELECT sum(n) OVER w, rank() OVER (w ORDER BY id) FROM messages WHERE tenant_id = @tenant WINDOW w AS (PARTITION BY kind)
SELECT count(*) OVER (w), sum(n) OVER v FROM messages WHERE tenant_id = @tenant WINDOW w AS (PARTITION BY kind ORDER BY id), v AS (w ROWS 2 PRECEDING)
SELECT sum(n) OVER (ORDER BY id ROWS BETWEEN @before PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM messages WHERE tenant_id = @tenant
SELECT sum(n) OVER (ORDER BY sent_at RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW), count(*) OVER (GROUPS 2 PRECEDING) FROM messages WHERE tenant_id = @tenant
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n), mode() WITHIN GROUP (ORDER BY kind) FROM messages WHERE tenant_id = @tenant
SELECT string_agg(body, ',' ORDER BY sent_at DESC), array_agg(DISTINCT kind ORDER BY kind), count(*) FILTER (WHERE n > 1) FROM messages WHERE tenant_id = @tenant
SELECT kind, sum(n) FROM messages WHERE tenant_id = @tenant GROUP BY GROUPING SETS ((kind), ())
SELECT kind, sub, sum(n), grouping(kind, sub) FROM messages WHERE tenant_id = @tenant GROUP BY ROLLUP (kind, sub)
SELECT kind, sub, sum(n) FROM messages WHERE tenant_id = @tenant GROUP BY CUBE (kind, sub), kind
SELECT kind FROM messages WHERE tenant_id = @tenant GROUP BY DISTINCT kind, ()
SELECT id FROM messages WHERE tenant_id = @tenant ORDER BY id FETCH FIRST 10 ROWS ONLY
SELECT id FROM messages WHERE tenant_id = @tenant ORDER BY id OFFSET 5 ROWS FETCH NEXT @n ROWS WITH TIES
SELECT id FROM messages WHERE tenant_id = @tenant LIMIT ALL
SELECT id FROM messages WHERE tenant_id = @tenant AND id = @id FOR UPDATE
SELECT id FROM messages m WHERE tenant_id = @tenant FOR NO KEY UPDATE OF m SKIP LOCKED
SELECT id FROM messages WHERE tenant_id = @tenant FOR SHARE NOWAIT
SELECT id FROM messages WHERE tenant_id = @tenant FOR KEY SHARE FOR UPDATE OF messages
SELECT id FROM messages WHERE tenant_id = @tenant ORDER BY id USING <
SELECT DISTINCT ON (kind) kind, id FROM messages WHERE tenant_id = @tenant ORDER BY kind, id
(SELECT id FROM messages WHERE tenant_id = @tenant) UNION ALL (SELECT id FROM replies WHERE tenant_id = @tenant) ORDER BY 1
WITH c(a, b) AS (SELECT id, kind FROM messages WHERE tenant_id = @tenant) SELECT a, b FROM c
WITH c AS MATERIALIZED (SELECT 1), d AS NOT MATERIALIZED (SELECT 2) SELECT * FROM c, d
VALUES (1, 'a'), (2, 'b')
VALUES (1) ORDER BY 1 LIMIT 1
-- Writes
INSERT INTO messages (tenant_id, id, body) VALUES (@tenant, DEFAULT, @body)
INSERT INTO messages DEFAULT VALUES
INSERT INTO messages AS m (tenant_id, id) VALUES (@tenant, @id) ON CONFLICT (tenant_id, id) DO UPDATE SET n = m.n + 1 WHERE m.n < 10
INSERT INTO messages (tenant_id, id) VALUES (@tenant, @id) ON CONFLICT (tenant_id, lower(body)) DO NOTHING
INSERT INTO messages (tenant_id, id) VALUES (@tenant, @id) ON CONFLICT (tenant_id, id) WHERE n > 0 DO NOTHING
INSERT INTO messages (tenant_id, id) VALUES (@tenant, @id) ON CONFLICT ON CONSTRAINT messages_pkey DO NOTHING
INSERT INTO messages (tenant_id, id) VALUES (@tenant, @id) ON CONFLICT DO NOTHING
INSERT INTO messages (tenant_id, id) OVERRIDING SYSTEM VALUE VALUES (@tenant, @id)
INSERT INTO messages (tenant_id, id) SELECT tenant_id, id FROM replies WHERE tenant_id = @tenant RETURNING *
WITH c AS (SELECT @tenant AS t) UPDATE messages SET n = 0 WHERE tenant_id = (SELECT t FROM c)
UPDATE messages SET n = DEFAULT, (a, b) = (1, DEFAULT), (c, d) = (SELECT 1, 2) WHERE tenant_id = @tenant
UPDATE messages SET (a, b) = ROW(@a, @b) WHERE tenant_id = @tenant
UPDATE messages m SET n = r.n FROM replies r WHERE r.tenant_id = m.tenant_id AND m.tenant_id = @tenant RETURNING m.id, r.n AS reply_n
UPDATE ONLY messages AS m SET n = 1 WHERE m.tenant_id = @tenant
DELETE FROM messages m USING replies r WHERE r.tenant_id = m.tenant_id AND m.tenant_id = @tenant RETURNING m.*
WITH gone AS (SELECT id FROM replies WHERE tenant_id = @tenant) DELETE FROM messages WHERE tenant_id = @tenant AND id IN (SELECT id FROM gone)
-- Set operations inside subqueries and CTEs, WITH inside a subquery, WITH RECURSIVE, data-modifying and VALUES CTEs
SELECT * FROM (SELECT id FROM messages WHERE tenant_id = @tenant UNION ALL SELECT id FROM replies WHERE tenant_id = @tenant) u
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r
WITH moved AS (DELETE FROM replies WHERE tenant_id = @tenant RETURNING *) INSERT INTO archive SELECT * FROM moved
SELECT id FROM messages m WHERE tenant_id = @tenant AND id IN (SELECT id FROM replies WHERE tenant_id = @tenant EXCEPT SELECT id FROM archive)
WITH a AS (SELECT id FROM messages WHERE tenant_id = @tenant) SELECT id FROM a UNION SELECT id FROM replies WHERE tenant_id = @tenant ORDER BY 1
SELECT * FROM messages m WHERE tenant_id = @tenant AND EXISTS (WITH r AS (SELECT id FROM replies WHERE tenant_id = @tenant) SELECT 1 FROM r WHERE r.id = m.id)
SELECT * FROM ((SELECT id FROM messages WHERE tenant_id = @tenant LIMIT 1) UNION (SELECT id FROM replies WHERE tenant_id = @tenant) ORDER BY 1) u
WITH v(x, y) AS (VALUES (1, 'a'), (2, 'b')) SELECT x, y FROM v
WITH u AS (UPDATE messages SET n = n + 1 WHERE tenant_id = @tenant RETURNING id), i AS (INSERT INTO archive (id) SELECT id FROM u RETURNING id) SELECT count(*) FROM i
-- TABLE t, and assignments to fields and elements
TABLE messages *
TABLE ONLY messages ORDER BY 1 LIMIT 3
SELECT id FROM messages WHERE tenant_id = @tenant UNION ALL TABLE replies EXCEPT TABLE archive ORDER BY 1
INSERT INTO messages (tenant_id, id, tags[1], address.city) VALUES (@tenant, @id, 'a', 'b')
UPDATE messages SET n = DEFAULT, (a, b) = (1, 2), (c, d) = (SELECT 1, 2), tags[1] = 'x', address.city = 'y' WHERE tenant_id = @tenant
UPDATE messages SET tags[@i:@j] = @tags, (address.city, tags[1]) = (SELECT 'c', 'd'), m[1][2] = 0 WHERE tenant_id = @tenant
INSERT INTO messages (tenant_id, id, tags[1]) VALUES (@tenant, @id, 'a') ON CONFLICT (tenant_id, id) DO UPDATE SET tags[2] = EXCLUDED.tags[1], address.city = 'z'
SELECT (SELECT 1 UNION SELECT 2), ((SELECT 2) UNION SELECT 3) FROM messages WHERE tenant_id = @tenant
