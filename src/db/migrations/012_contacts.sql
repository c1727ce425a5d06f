-- Where collection letters and statements go: one contact per customer
-- and purpose, with the language letters are written in.
create table customer_contact (
  company_id integer not null,
  customer_id bigint not null,
  -- collections: dunning letters and reminders; statements: statements of account.
  purpose text not null check (purpose in ('collections', 'statements')),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$'),
  name text,
  language text not null default 'en' check (language in ('en', 'ar')),
  updated_by text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, customer_id, purpose),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);

-- Every message handed to the mail server, kept for the customer's history
-- and for the auditor: what went to whom, with which attachment, and what
-- the server answered.
create table outbound_mail (
  company_id integer not null,
  mail_id bigint not null,
  customer_id bigint not null,
  purpose text not null check (purpose in ('dunning', 'statement')),
  -- The letter or statement the message carried, as the sender names it.
  reference text not null,
  to_address text not null,
  subject text not null,
  attachment_name text,
  attachment_bytes integer,
  status text not null check (status in ('sent', 'failed')),
  message_id text,
  server_response text,
  error text,
  actor text not null,
  sent_at timestamptz not null default now(),
  primary key (company_id, mail_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);
create index outbound_mail_customer_idx on outbound_mail (company_id, customer_id, sent_at);
create sequence outbound_mail_id_seq;
