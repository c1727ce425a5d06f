-- Stored aging by customer and bucket as of a date, kept for trends and
-- for the expected credit loss roll rates.

create table aging_snapshot (
  company_id integer not null references company (company_id),
  snapshot_id bigint not null,
  as_of date not null,
  basis text not null check (basis in ('due', 'document')),
  -- Bucket limits in days, as given to the aging (for example 0,30,60).
  bucket_limits integer[] not null,
  is_month_end boolean not null,
  created_at timestamptz not null default now(),
  primary key (company_id, snapshot_id),
  unique (company_id, as_of, basis, bucket_limits)
);

create table aging_snapshot_line (
  company_id integer not null,
  snapshot_id bigint not null,
  customer_id bigint not null,
  -- 0 = not due, 1..n = the buckets in order, -1 = unapplied credits.
  bucket smallint not null,
  amount_local bigint not null,
  item_count integer not null,
  primary key (company_id, snapshot_id, customer_id, bucket),
  foreign key (company_id, snapshot_id)
    references aging_snapshot (company_id, snapshot_id)
);

create sequence snapshot_id_seq;
