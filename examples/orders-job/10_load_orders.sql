-- Stands in for a real source: the raw orders of a small shop.
CREATE TABLE IF NOT EXISTS orders AS
SELECT 1 AS id, '2026-11-23' AS day, 'books' AS category, 12.50 AS amount
UNION ALL SELECT 2, '2026-11-23', 'games', 40.00
UNION ALL SELECT 3, '2026-11-24', 'books', 7.25
UNION ALL SELECT 4, '2026-11-24', 'books', 19.99
UNION ALL SELECT 5, '2026-11-24', 'games', 55.00
UNION ALL SELECT 6, '2026-11-25', 'music', 9.99
