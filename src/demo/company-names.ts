/**
 * Company names for generated ledgers: a place or family word, a trade
 * word and a legal form, so that names share words the way real customer
 * lists do (many "Nordic ... Ltd", many "... Trading") and a name matcher
 * meets realistic near misses.
 */
import type { SeededRandom } from './random.js';

const firstWords = [
  'Nordic', 'Atlas', 'Gulf', 'Alpine', 'Baltic', 'Cedar', 'Delta', 'Eastern', 'Falcon', 'Granite', 'Harbor',
  'Iberia', 'Jasmine', 'Kestrel', 'Lakeside', 'Meridian', 'Northgate', 'Oakwood', 'Pioneer', 'Quarry', 'Riverside',
  'Summit', 'Tigris', 'Union', 'Valley', 'Westfield', 'Yarrow', 'Zenith', 'Amber', 'Beacon', 'Coral', 'Dune',
  'Emerald', 'Fjord', 'Golden', 'Highland', 'Ivory', 'Juniper', 'Keystone', 'Lotus', 'Mosaic', 'Nile', 'Orion',
  'Pacific', 'Redwood', 'Sapphire', 'Tundra', 'Unity', 'Vista', 'Willow', 'Anders', 'Brandt', 'Costa', 'Duval',
  'Eriksen', 'Fischer', 'Haddad', 'Ivanov', 'Jansen', 'Kowalski', 'Lindqvist', 'Moreau', 'Novak', 'Okafor',
  'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Vogel', 'Weber', 'Yilmaz', 'Zamora', 'Al Noor', 'Al Safa', 'Bayside',
];
const tradeWords = [
  'Steel', 'Foods', 'Trading', 'Logistics', 'Pharma', 'Textiles', 'Plastics', 'Motors', 'Electric', 'Packaging',
  'Chemicals', 'Timber', 'Builders', 'Retail', 'Marine', 'Agro', 'Paper', 'Glass', 'Tools', 'Energy', 'Medical',
  'Furniture', 'Beverages', 'Cables', 'Ceramics', 'Dairy', 'Fabrics', 'Hardware', 'Imports', 'Machinery',
];
const secondWords = ['', '', '', 'Industries', 'Distribution', 'Supplies', 'Group', 'Services', 'Partners', 'Works', 'International'];
const legalForms = ['Ltd', 'GmbH', 'Inc', 'LLC', 'SA', 'BV', 'AG', 'PLC', 'SRL', 'WLL', 'Co.'];

/** A company name; with a suffix number the same words can repeat without making two identical names. */
export function companyName(random: SeededRandom, index: number): string {
  const words = [random.pick(firstWords), random.pick(tradeWords)];
  const second = random.pick(secondWords);
  if (second !== '') words.push(second);
  // One name in three carries a branch or city number, as many customer masters do.
  if (random.chance(0.33)) words.push(String((index % 97) + 1));
  words.push(random.pick(legalForms));
  return words.join(' ');
}
