/**
 * Inserts `item` into `list`, kept in ascending order of `key`: after every element whose key is
 * not greater. Looks from the end, where the item almost always goes (ids arrive in order but for
 * a few, e.g. from concurrent commits that complete out of it).
 */
export function insertInOrder<T>(list: T[], item: T, key: (t: T) => number): void {
  const k = key(item)
  let at = list.length
  while (at > 0 && key(list[at - 1]!) > k) at--
  list.splice(at, 0, item)
}
