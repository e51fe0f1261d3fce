/**
 * A minimum-total-cost assignment (the Hungarian method, as scipy's linear_sum_assignment computes for
 * HoVer-Net's pair_coordinates): for an n × m cost matrix, min(n, m) pairs, each row and column used at most
 * once, with the smallest possible sum of costs. Shortest augmenting paths with potentials, O(n² m).
 *
 * Written by hand: no maintained JavaScript package offers a rectangular assignment with float costs that
 * is exact (several approximate, or need integer costs). Ties between assignments of equal total cost go to
 * the first one this algorithm reaches (rows in order; among equal reduced costs, the lowest column): the
 * metric is defined by the total cost, and with real-valued centroid distances exact ties are rare.
 */

/** `cost[r * m + c]`; returns, for each row, its column or -1 (when n > m, some rows stay unassigned). */
export function minCostAssignment(cost: Float64Array, n: number, m: number): Int32Array {
  const result = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return result;
  if (n > m) {
    // Work on the transpose (rows ≤ columns), then invert the answer.
    const t = new Float64Array(m * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) t[c * n + r] = cost[r * m + c] as number;
    const byColumn = minCostAssignment(t, m, n);
    byColumn.forEach((r, c) => {
      if (r >= 0) result[r] = c;
    });
    return result;
  }
  // Potentials u (rows), v (columns); p[j] = row assigned to column j (1-based, 0 = none); way[] for paths.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 1) continue;
        const cur = (cost[(i0 - 1) * m + (j - 1)] as number) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  for (let j = 1; j <= m; j++) if ((p[j] as number) > 0) result[(p[j] as number) - 1] = j - 1;
  return result;
}
