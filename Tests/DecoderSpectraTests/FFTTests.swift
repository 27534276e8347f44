import ComplexModule
import DecoderSpectra
import Foundation
import Testing

/// The DFT convention of docs/theory.md §1.2 (Eq. 2), checked against the naive double sum and against numpy.fft.fft2.
@Suite(.tags(.unit)) struct FFTTests {
    /// Odd, even and non-power-of-two sizes. Float64: FFTW's error is O(ε log MN) ≈ 1e-15 relative; 1e-12 leaves room.
    @Test(arguments: [(1, 1), (1, 6), (5, 5), (6, 4), (7, 10), (12, 9), (16, 16)])
    func forwardMatchesNaiveDFTInDouble(size: (Int, Int)) {
        let x: Tensor<Double> = randomTensor([2, 2, size.0, size.1], seed: UInt64(size.0 * 100 + size.1))
        let fast = FFT2D.forward(x).values
        #expect(relativeError(fast, Reference.dft(x)) < 1e-12)
    }

    /// Float32: rounding of inputs and butterflies gives about 1e-7 relative; 1e-5 is the issue's bound.
    @Test func forwardMatchesNaiveDFTInFloat() {
        let x: Tensor<Float> = randomTensor([1, 3, 9, 8], seed: 7)
        let fast = FFT2D.forward(x).values.map { Complex(Double($0.real), Double($0.imaginary)) }
        #expect(relativeError(fast, Reference.dft(x.converted(to: Double.self))) < 1e-5)
    }

    /// Channels go through FFTW in pairs (one complex FFT for two real planes): each plane keeps its own relative
    /// accuracy next to a partner 2^40 (Float64) or 10^6 (Float32) times larger, an odd channel count leaves one
    /// plane alone, a plane holding a NaN does not spoil its partner, and an image's spectrum is the same bit for bit
    /// whatever batch it comes in. Enough planes (2^15 values) to spread over cores.
    @Test func pairedPlanesKeepTheirOwnAccuracy() {
        var x: Tensor<Double> = randomTensor([3, 3, 9, 8], seed: 21)  // per image: a pair and one plane alone
        let plane = 9 * 8
        for p in 0..<9 where p % 2 == 1 {
            for i in 0..<plane { x.scalars[p * plane + i] *= 0x1p40 }
        }
        let fast = FFT2D.forward(x).values, slow = Reference.dft(x)
        for p in 0..<9 {
            let range = (p * plane)..<((p + 1) * plane)
            #expect(relativeError(Array(fast[range]), Array(slow[range])) < 1e-12, "plane \(p)")
        }
        var single: Tensor<Float> = randomTensor([2, 2, 6, 5], seed: 22)
        for i in 0..<30 { single.scalars[30 + i] *= 1e6 }
        single.scalars[3 * 30 + 4] = .nan
        let spectrum = FFT2D.forward(single).values.map { Complex(Double($0.real), Double($0.imaginary)) }
        let reference = Reference.dft(single.converted(to: Double.self))
        for p in 0..<3 {
            let range = (p * 30)..<((p + 1) * 30)
            #expect(relativeError(Array(spectrum[range]), Array(reference[range])) < 1e-5, "plane \(p)")
        }
        #expect(spectrum[(3 * 30)...].allSatisfy { !$0.real.isFinite || !$0.imaginary.isFinite })
        let large: Tensor<Double> = randomTensor([4, 8, 32, 32], seed: 23)
        #expect(relativeError(FFT2D.forward(large).values, Reference.dft(large)) < 1e-12)
        #expect(FFT2D.forward(x.batchSlice(1..<2)).values == Array(fast[(3 * plane)..<(6 * plane)]))
    }

    @Test func inverseRoundTrips() {
        let x: Tensor<Double> = randomTensor([2, 3, 7, 12], seed: 3)
        let back = FFT2D.inverse(FFT2D.forward(x))
        #expect(maxRelativeDifference(back.scalars, x.scalars) < 1e-13)
    }

    /// The same numbers as numpy.fft.fft2 (fixture written by scripts/make_torch_fixtures.py).
    @Test func matchesNumpyFFT2() throws {
        let folder = fixturesURL.appendingPathComponent("torch/fft2")
        let x = try Tensor<Double>.readNpy(folder.appendingPathComponent("input.npy"))
        let expected = try NpyFile.read(folder.appendingPathComponent("output.npy"))
        guard case let .complex(reference) = expected.values else {
            Issue.record("fixture is not complex")
            return
        }
        #expect(expected.shape == x.shape)
        #expect(relativeError(FFT2D.forward(x).values, reference) < 1e-12)
    }

    /// DC is the plain sum (no normalisation in the forward transform).
    @Test func dcIsTheSum() {
        let x: Tensor<Double> = randomTensor([1, 1, 5, 6], seed: 11)
        let dc = FFT2D.forward(x)[0, 0, 0, 0]
        #expect(abs(dc.real - x.scalars.reduce(0, +)) < 1e-12)
        #expect(abs(dc.imaginary) < 1e-12)
    }
}
