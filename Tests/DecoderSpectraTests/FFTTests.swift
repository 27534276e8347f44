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
