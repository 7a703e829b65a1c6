// The little linear algebra the calibration needs: 3×3 matrices (row-major, as the server's
// JSON) and the eigenvector of a small symmetric matrix with the smallest eigenvalue (the
// DLT's null vector). Hand-written: no numeric library is worth a dependency for this.
export type Mat3 = number[][];

export function multiply3(a: Mat3, b: Mat3): Mat3 {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c]));
}

/** The inverse by the adjugate; null when (nearly) singular. */
export function invert3(m: Mat3): Mat3 | null {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const co = [e * i - f * h, f * g - d * i, d * h - e * g] as const;
  const det = a * co[0] + b * co[1] + c * co[2];
  // |det| over its Hadamard bound (the product of the row lengths): 1 for orthogonal rows, 0
  // for dependent ones, whatever the rows' scales (pixels and metres differ by 10^3).
  const bound = m.reduce((product, row) => product * Math.hypot(...row), 1);
  if (!Number.isFinite(det) || !(Math.abs(det) > 1e-12 * bound)) return null;
  const adj = [
    [co[0], c * h - b * i, b * f - c * e],
    [co[1], a * i - c * g, c * d - a * f],
    [co[2], b * g - a * h, a * e - b * d],
  ];
  return adj.map((row) => row.map((v) => v / det));
}

/**
 * Eigenvector (unit length) of the symmetric matrix `s` with the smallest eigenvalue, by
 * cyclic Jacobi rotations: slow in theory, exact enough and tiny for 9×9.
 */
export function smallestEigenvector(s: number[][]): number[] {
  const n = s.length;
  const a = s.map((row) => [...row]);
  const v = a.map((_, r) => a.map((__, c) => (r === c ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        // Rotation zeroing a[p][q] (Numerical Recipes' jacobi, the smaller-angle root).
        const theta = (a[q][q] - a[p][p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (const m of [a, v]) {
          for (let k = 0; k < n; k++) {
            const kp = m[k][p], kq = m[k][q];
            m[k][p] = c * kp - sn * kq;
            m[k][q] = sn * kp + c * kq;
          }
        }
        for (let k = 0; k < n; k++) {
          const pk = a[p][k], qk = a[q][k];
          a[p][k] = c * pk - sn * qk;
          a[q][k] = sn * pk + c * qk;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i][i] < a[best][best]) best = i;
  return v.map((row) => row[best]);
}
