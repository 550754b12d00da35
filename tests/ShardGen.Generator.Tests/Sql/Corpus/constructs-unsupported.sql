-- Valid PostgreSQL that ShardGen's parser still refuses, one statement a line: PostgresOracleTests checks that PostgreSQL
-- accepts each and that ShardGen reports each as unsupported, with a reason (never as a syntax error). Move a line to
-- constructs.sql when ShardGen parses it.
SELECT * FROM (SELECT id FROM messages WHERE tenant_id = @tenant UNION ALL SELECT id FROM replies WHERE tenant_id = @tenant) u
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r
WITH moved AS (DELETE FROM replies WHERE tenant_id = @tenant RETURNING *) INSERT INTO archive SELECT * FROM moved
SELECT * INTO archive FROM messages WHERE tenant_id = @tenant
SELECT (SELECT 1 UNION SELECT 2), ((SELECT 2) UNION SELECT 3) FROM messages WHERE tenant_id = @tenant
