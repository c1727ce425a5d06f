-- Ledger: companies, calendars, customers, currencies, FX rates, open items
-- and allocations. Amounts are bigint minor units of their currency.

create table currency (
  code char(3) primary key,
  exponent smallint not null check (exponent between 0 and 4),
  name text not null
);

create table fx_rate (
  from_currency char(3) not null references currency (code),
  to_currency char(3) not null references currency (code),
  rate_date date not null,
  -- Units of to_currency for one unit of from_currency.
  rate numeric(24, 10) not null check (rate > 0),
  primary key (from_currency, to_currency, rate_date)
);

create table company (
  company_id integer primary key,
  code text not null unique,
  name text not null,
  currency char(3) not null references currency (code),
  -- ISO weekday numbers, 1 = Monday ... 7 = Sunday.
  weekend_days smallint[] not null default '{6,7}',
  created_at timestamptz not null default now()
);

create table business_holiday (
  company_id integer not null references company (company_id),
  holiday date not null,
  name text not null default '',
  primary key (company_id, holiday)
);

create table customer (
  company_id integer not null references company (company_id),
  customer_id bigint not null,
  customer_number text not null,
  name text not null,
  group_number text,
  country text,
  region text,
  collector text,
  sales_rep text,
  payment_terms text,
  credit_segment text,
  created_at timestamptz not null default now(),
  primary key (company_id, customer_id),
  unique (company_id, customer_number)
);

create table import_batch (
  company_id integer not null references company (company_id),
  import_id bigint not null,
  source_kind text not null,
  source_file text not null,
  file_sha256 text not null,
  row_count integer not null,
  item_count integer not null,
  allocation_count integer not null,
  created_at timestamptz not null default now(),
  primary key (company_id, import_id)
);

create table open_item (
  company_id integer not null,
  item_id bigint not null,
  customer_id bigint not null,
  kind text not null check (kind in (
    'invoice', 'credit_note', 'debit_note', 'payment', 'advance',
    'adjustment', 'write_off')),
  document_number text not null,
  -- Source key that makes imports idempotent: unique within a company.
  erp_key text not null,
  instalment smallint not null default 1,
  document_date date not null,
  posting_date date not null,
  due_date date not null,
  -- A currency code of the currency table. The ledger checks it before
  -- insert: a foreign key here was a third of the bulk insert time.
  currency char(3) not null,
  -- Signed: debits (invoices, debit notes) positive, credits negative.
  amount bigint not null check (amount <> 0),
  amount_local bigint not null,
  fx_rate numeric(24, 10) not null,
  disputed boolean not null default false,
  payment_terms text,
  reference text,
  import_id bigint,
  source_line integer,
  created_at timestamptz not null default now(),
  primary key (company_id, item_id),
  unique (company_id, erp_key),
  foreign key (company_id, customer_id)
    references customer (company_id, customer_id)
);

create index open_item_customer_idx on open_item (company_id, customer_id);

create table allocation (
  company_id integer not null,
  allocation_id bigint not null,
  credit_item_id bigint not null,
  debit_item_id bigint not null,
  allocation_date date not null,
  -- In the debit item's currency; a reversal carries the negated amounts.
  amount bigint not null check (amount <> 0),
  -- In the credit item's currency.
  credit_amount bigint not null,
  -- Share of the debit item's local amount that this allocation clears.
  amount_local bigint not null,
  -- Share of the credit item's local amount that this allocation uses.
  credit_amount_local bigint not null,
  reverses_allocation_id bigint,
  -- Source key of an imported allocation, so a re-import skips it.
  erp_key text,
  reason text,
  import_id bigint,
  created_at timestamptz not null default now(),
  primary key (company_id, allocation_id),
  foreign key (company_id, credit_item_id)
    references open_item (company_id, item_id),
  foreign key (company_id, debit_item_id)
    references open_item (company_id, item_id),
  foreign key (company_id, reverses_allocation_id)
    references allocation (company_id, allocation_id)
);

create index allocation_debit_idx
  on allocation (company_id, debit_item_id, allocation_date);
create index allocation_credit_idx
  on allocation (company_id, credit_item_id, allocation_date);
create unique index allocation_erp_key
  on allocation (company_id, erp_key) where erp_key is not null;
create unique index allocation_reversal_once
  on allocation (company_id, reverses_allocation_id)
  where reverses_allocation_id is not null;

-- Ids are drawn from sequences so that bulk imports can reserve ranges.
create sequence item_id_seq;
create sequence allocation_id_seq;
create sequence customer_id_seq;
create sequence import_id_seq;

insert into currency (code, exponent, name) values
  ('USD', 2, 'US dollar'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound sterling'),
  ('CHF', 2, 'Swiss franc'), ('CAD', 2, 'Canadian dollar'),
  ('AUD', 2, 'Australian dollar'), ('SEK', 2, 'Swedish krona'),
  ('NOK', 2, 'Norwegian krone'), ('DKK', 2, 'Danish krone'),
  ('PLN', 2, 'Polish zloty'), ('HUF', 2, 'Hungarian forint'),
  ('CZK', 2, 'Czech koruna'), ('CNY', 2, 'Yuan renminbi'),
  ('HKD', 2, 'Hong Kong dollar'), ('SGD', 2, 'Singapore dollar'),
  ('INR', 2, 'Indian rupee'), ('AED', 2, 'UAE dirham'),
  ('SAR', 2, 'Saudi riyal'), ('QAR', 2, 'Qatari riyal'),
  ('EGP', 2, 'Egyptian pound'), ('TRY', 2, 'Turkish lira'),
  ('ZAR', 2, 'Rand'), ('NGN', 2, 'Naira'), ('MKD', 2, 'Denar'),
  ('BRL', 2, 'Brazilian real'), ('MXN', 2, 'Mexican peso'),
  ('JPY', 0, 'Yen'), ('KRW', 0, 'Won'), ('CLP', 0, 'Chilean peso'),
  ('ISK', 0, 'Iceland krona'), ('VND', 0, 'Dong'),
  ('KWD', 3, 'Kuwaiti dinar'), ('BHD', 3, 'Bahraini dinar'),
  ('OMR', 3, 'Rial Omani'), ('JOD', 3, 'Jordanian dinar'),
  ('TND', 3, 'Tunisian dinar'), ('LYD', 3, 'Libyan dinar'),
  ('IQD', 3, 'Iraqi dinar');
