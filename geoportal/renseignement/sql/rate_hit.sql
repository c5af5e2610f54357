-- Count one request of a client in a fixed window; the row lock serialises concurrent requests.
INSERT INTO {rate_counter} AS c (bucket, client, window_start, count)
VALUES (%(bucket)s, %(client)s, %(window_start)s, 1)
ON CONFLICT (bucket, client, window_start) DO UPDATE SET count = c.count + 1
RETURNING c.count
