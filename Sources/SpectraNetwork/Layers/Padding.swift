import RealModule
import SpectraCore

/// PyTorch's `padding_mode` for Conv2d.
public enum PaddingMode: String, Sendable, CaseIterable, Codable {
    case zeros, circular, reflect, replicate
}

/// For each index of a padded axis, the source index in the unpadded axis, or −1 where the value is zero.
/// Circular wraps (docs/theory.md §1.4), reflect mirrors without repeating the edge, replicate clamps — as `torch.nn.functional.pad`.
package func paddedIndexMap(size: Int, before: Int, after: Int, mode: PaddingMode) -> [Int] {
    (0..<(size + before + after)).map { p in
        let i = p - before
        if i >= 0 && i < size { return i }
        switch mode {
        case .zeros: return -1
        case .circular: return ((i % size) + size) % size
        case .replicate: return min(max(i, 0), size - 1)
        case .reflect:
            guard size > 1 else { return 0 }
            let period = 2 * (size - 1)
            var j = ((i % period) + period) % period
            if j >= size { j = period - j }
            return j
        }
    }
}

/// Builds the padded planes of one image: out[c][y][x] = in[c][rows[y]][cols[x]] (0 where a map says −1).
/// Inlinable: training (another module) calls it per image, and a generic call across modules runs unspecialised.
@inlinable
package func fillPadded<S: TensorScalar>(
    _ input: UnsafePointer<S>, channels: Int, height: Int, width: Int,
    rows: [Int], cols: [Int], into output: UnsafeMutablePointer<S>
) {
    let paddedH = rows.count, paddedW = cols.count
    for c in 0..<channels {
        let src = input + c * height * width
        let dst = output + c * paddedH * paddedW
        for y in 0..<paddedH {
            let row = dst + y * paddedW
            let r = rows[y]
            if r < 0 {
                row.update(repeating: 0, count: paddedW)
                continue
            }
            let srcRow = src + r * width
            for x in 0..<paddedW {
                let col = cols[x]
                row[x] = col < 0 ? 0 : srcRow[col]
            }
        }
    }
}
