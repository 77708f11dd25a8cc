/**
 * A tiny in-memory stand-in for the shop the suite would drive through a browser: enough domain
 * for the tests to assert on real values without starting anything.
 */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
  addedOn: string;
}

export const catalogue: readonly Product[] = [
  {
    sku: 'TS-001',
    name: 'Trail running shoes',
    priceCents: 12_900,
    stock: 14,
    addedOn: '2024-03-02',
  },
  {
    sku: 'TS-002',
    name: 'Running socks (3 pack)',
    priceCents: 1_490,
    stock: 120,
    addedOn: '2024-01-15',
  },
  { sku: 'JK-010', name: 'Rain jacket', priceCents: 8_900, stock: 0, addedOn: '2024-04-20' },
  { sku: 'BP-020', name: 'Day backpack 22 l', priceCents: 6_450, stock: 7, addedOn: '2024-02-11' },
  { sku: 'BT-030', name: 'Water bottle', priceCents: 1_900, stock: 48, addedOn: '2024-05-01' },
  { sku: 'HL-040', name: 'Head lamp', priceCents: 3_490, stock: 22, addedOn: '2024-04-02' },
];

export function searchProducts(query: string): Product[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return catalogue.filter((p) => words.every((w) => p.name.toLowerCase().includes(w)));
}

export interface CartLine {
  sku: string;
  quantity: number;
}

export function cartTotalCents(lines: readonly CartLine[], discountPercent = 0): number {
  const subtotal = lines.reduce((sum, line) => {
    const product = catalogue.find((p) => p.sku === line.sku);
    if (!product) throw new Error(`Unknown product ${line.sku}`);
    return sum + product.priceCents * line.quantity;
  }, 0);
  return Math.round(subtotal * (1 - discountPercent / 100));
}

/** Free shipping from 50 EUR; Germany 4.90, elsewhere in the EU 9.90. */
export function shippingCents(subtotalCents: number, country: string): number {
  if (subtotalCents >= 5_000) return 0;
  return country === 'DE' ? 490 : 990;
}

export function paginate<T>(items: readonly T[], page: number, size: number): T[] {
  return items.slice((page - 1) * size, page * size);
}
