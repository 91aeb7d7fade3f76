-- dw.dim_date: generated calendar, 2000-01-01 .. 2045-12-31, plus key 0 for "unknown".

INSERT INTO dw.dim_date (date_key, date, year, quarter, month, month_name, year_month, iso_year, iso_week,
                         day, day_of_week, day_name, day_of_year, is_weekend)
SELECT to_char(d, 'YYYYMMDD')::integer,
       d::date,
       extract(year FROM d)::smallint,
       extract(quarter FROM d)::smallint,
       extract(month FROM d)::smallint,
       to_char(d, 'FMMonth'),
       to_char(d, 'YYYY-MM'),
       extract(isoyear FROM d)::smallint,
       extract(week FROM d)::smallint,
       extract(day FROM d)::smallint,
       extract(isodow FROM d)::smallint,
       to_char(d, 'FMDay'),
       extract(doy FROM d)::smallint,
       extract(isodow FROM d) >= 6
FROM generate_series('2000-01-01'::timestamp, '2045-12-31'::timestamp, interval '1 day') AS d;

INSERT INTO dw.dim_date (date_key, date, month_name, year_month, day_name)
VALUES (0, NULL, 'Unknown', 'Unknown', 'Unknown');
