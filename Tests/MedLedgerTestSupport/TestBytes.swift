/// Test content that is reproducible and has no long repeats.
public enum TestBytes {
    /// Deterministic bytes from a SplitMix64 stream, so that a moved or swapped piece of
    /// plaintext would be noticed.
    public static func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: (count + 7) / 8 * 8)
        bytes.withUnsafeMutableBytes { buffer in
            for index in 0..<(buffer.count / 8) {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                buffer.storeBytes(of: z.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
