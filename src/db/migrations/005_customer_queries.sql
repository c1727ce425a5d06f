-- Indexes for the customer list: its first page sorted by name or by
-- region is read from an index instead of sorting every customer of the
-- company. The customer number breaks ties, as in the list's order.

create index customer_name_idx on customer (company_id, name, customer_number);

create index customer_region_idx on customer (company_id, region, customer_number);
