-- Cash: bank accounts, imported bank statements and their entries, and
-- the application of incoming money to open items.

create table bank_account (
  company_id integer not null references company (company_id),
  bank_account_id integer not null,
  bank text not null,
  -- IBAN or the bank's own account number, without spaces, upper case.
  account_number text not null,
  currency char(3) not null references currency (code),
  gl_code text,
  created_at timestamptz not null default now(),
  primary key (company_id, bank_account_id),
  -- One number may hold several currencies (multi-currency accounts,
  -- payment providers), each its own ledger account with its own balance.
  unique (company_id, account_number, currency)
);

create sequence bank_account_id_seq;

create table bank_statement (
  company_id integer not null,
  statement_id bigint not null,
  bank_account_id integer not null,
  -- Digest of the statement's account, dates, balances and entries: a
  -- statement is stored once per account, whatever file brings it. The
  -- file's own id is not enough, as some banks send the same text in
  -- every statement.
  statement_key text not null,
  -- The statement id the file states, for people to read.
  statement_ref text,
  file_type text not null,
  source_file text not null,
  file_sha256 text not null,
  source_line integer not null,
  opening_balance bigint,
  closing_balance bigint,
  opening_date date,
  closing_date date,
  entry_count integer not null,
  imported_by text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, statement_id),
  unique (company_id, bank_account_id, statement_key),
  foreign key (company_id, bank_account_id)
    references bank_account (company_id, bank_account_id)
);

create sequence bank_statement_id_seq;

create table bank_entry (
  company_id integer not null,
  entry_id bigint not null,
  statement_id bigint not null,
  -- Position of the entry in its statement, from 1.
  entry_number integer not null,
  source_line integer not null,
  booking_date date not null,
  value_date date,
  currency char(3) not null,
  -- Signed minor units of the account currency: credits positive.
  amount bigint not null,
  reference text,
  remittance text,
  counterparty_name text,
  counterparty_account text,
  bank_code text,
  -- new: not yet matched; posted: applied by the matcher or a user;
  -- review: a proposal waits for a user; unapplied: posted to a customer
  -- with nothing allocated; suspense: no customer found; ignored: a debit
  -- or a line a user set aside.
  status text not null default 'new' check (status in (
    'new', 'posted', 'review', 'unapplied', 'suspense', 'ignored')),
  primary key (company_id, entry_id),
  unique (company_id, statement_id, entry_number),
  foreign key (company_id, statement_id)
    references bank_statement (company_id, statement_id)
);

create index bank_entry_status_idx on bank_entry (company_id, status, booking_date);

create sequence bank_entry_id_seq;

-- Per company: when a proposal is posted without review, and how short a
-- payment may be and still close the items it names.
create table cash_setting (
  company_id integer primary key references company (company_id),
  auto_post_threshold numeric(4, 3) not null default 0.900
    check (auto_post_threshold > 0 and auto_post_threshold <= 1),
  -- A short payment within this share of the items' open amount is
  -- applied and the rest left open as a deduction.
  short_pay_tolerance numeric(4, 3) not null default 0.050
    check (short_pay_tolerance >= 0 and short_pay_tolerance < 1),
  -- Share by which an FX payment may differ after conversion.
  fx_tolerance numeric(4, 3) not null default 0.020
    check (fx_tolerance >= 0 and fx_tolerance < 1)
);

-- The matcher's proposal for one bank entry, and what became of it.
create table cash_match (
  company_id integer not null,
  entry_id bigint not null,
  customer_id bigint,
  confidence numeric(4, 3) not null,
  -- [{"code": "reference", "detail": "..."}, ...]
  reasons jsonb not null,
  -- proposed: waits in the review queue; posted: applied (auto or by a
  -- user); rejected: a user set the proposal aside.
  status text not null check (status in ('proposed', 'posted', 'rejected')),
  auto_posted boolean not null default false,
  -- The payment item the entry became, once posted.
  payment_item_id bigint,
  -- In the items' currency when the payment was converted.
  payment_currency char(3),
  payment_amount bigint,
  fx_rate numeric(24, 10),
  decided_by text,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (company_id, entry_id),
  foreign key (company_id, entry_id) references bank_entry (company_id, entry_id)
);

create index cash_match_status_idx on cash_match (company_id, status);

-- Items a proposal pays, with the amount in the item's currency.
create table cash_match_line (
  company_id integer not null,
  entry_id bigint not null,
  item_id bigint not null,
  amount bigint not null check (amount > 0),
  primary key (company_id, entry_id, item_id),
  foreign key (company_id, entry_id) references cash_match (company_id, entry_id)
);

-- Payer accounts learned from confirmed matches: the next payment from the
-- account points at the customer.
create table payer_account (
  company_id integer not null,
  account text not null,
  customer_id bigint not null,
  confirmed_count integer not null default 1,
  last_entry_id bigint,
  updated_at timestamptz not null default now(),
  primary key (company_id, account),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);
