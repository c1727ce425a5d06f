-- Regional cash: cash and transfer receipts entered in a region and
-- posted only when a second person approves them, and the monthly
-- collection targets the collections report measures against.

create table cash_receipt (
  company_id integer not null,
  receipt_id bigint not null,
  -- Checks go through the check register instead.
  kind text not null check (kind in ('cash', 'transfer')),
  customer_id bigint not null,
  currency char(3) not null references currency (code),
  -- Positive minor units of the currency.
  amount bigint not null check (amount > 0),
  receipt_date date not null,
  -- The customer's collector when the receipt was entered, unless the
  -- accountant named another.
  collector text,
  reference text,
  note text,
  -- pending: waits for a second person; approved: posted to the ledger;
  -- rejected: set aside, nothing posted.
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  -- Source key of the payment item once posted: CASH:<receipt_id>.
  erp_key text not null,
  entered_by text not null,
  entered_by_user_id integer,
  entered_at timestamptz not null default now(),
  decided_by text,
  decided_by_user_id integer,
  decided_at timestamptz,
  decision_reason text,
  payment_item_id bigint,
  primary key (company_id, receipt_id),
  unique (company_id, erp_key),
  foreign key (company_id, customer_id) references customer (company_id, customer_id),
  foreign key (company_id, payment_item_id) references open_item (company_id, item_id)
);

create sequence cash_receipt_id_seq;

create index cash_receipt_status_idx on cash_receipt (company_id, status, receipt_date);

-- Items a receipt pays, with the amount in the item's currency (the
-- receipt's); what the lines leave over stays unapplied on the customer.
create table cash_receipt_line (
  company_id integer not null,
  receipt_id bigint not null,
  item_id bigint not null,
  amount bigint not null check (amount > 0),
  primary key (company_id, receipt_id, item_id),
  foreign key (company_id, receipt_id) references cash_receipt (company_id, receipt_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);

-- What a region and a collector should collect in a month, in the
-- company currency. '*' stands for every region or every collector.
create table collection_target (
  company_id integer not null references company (company_id),
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  region text not null,
  collector text not null,
  amount bigint not null check (amount >= 0),
  updated_by text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, month, region, collector)
);
