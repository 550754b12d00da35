-- Valid PostgreSQL that ShardGen's parser still refuses, one statement a line: PostgresOracleTests checks that PostgreSQL
-- accepts each and that ShardGen reports each as unsupported, with a reason (never as a syntax error). Move a line to
-- constructs.sql when ShardGen parses it.
SELECT * FROM messages TABLESAMPLE SYSTEM (10) REPEATABLE (1) WHERE tenant_id = @tenant
TABLE messages
INSERT INTO messages (tenant_id, id, tags[1], address.city) VALUES (@tenant, @id, 'a', 'b')
UPDATE messages SET n = DEFAULT, (a, b) = (1, 2), (c, d) = (SELECT 1, 2), tags[1] = 'x', address.city = 'y' WHERE tenant_id = @tenant
INSERT INTO archive (id) SELECT id FROM messages WHERE tenant_id = @tenant UNION SELECT id FROM replies WHERE tenant_id = @tenant
