import ComplexModule
import DecoderSpectra
import Foundation
import Testing

/// .npy and PNG readers and writers, against files written by numpy and Pillow, and against broken files.
@Suite(.tags(.conformance)) struct FileFormatTests {
    let images = fixturesURL.appendingPathComponent("images")

    @Test func npyRoundTrips() throws {
        let folder = temporaryFolder()
        let x: Tensor<Float> = randomTensor([2, 3, 4, 5], seed: 1)
        try x.writeNpy(folder.appendingPathComponent("x.npy"))
        #expect(try Tensor<Float>.readNpy(folder.appendingPathComponent("x.npy")) == x)
        let values = (0..<6).map { Complex<Float>(Float($0), -Float($0) / 2) }
        try NpyFile.writeComplex64(values, shape: [1, 1, 2, 3], to: folder.appendingPathComponent("z.npy"))
        let z = try NpyFile.read(folder.appendingPathComponent("z.npy"))
        #expect(z.shape == [1, 1, 2, 3])
        guard case let .complex(read) = z.values else {
            Issue.record("not complex")
            return
        }
        #expect(read.map { Complex<Float>(Float($0.real), Float($0.imaginary)) } == values)
    }

    /// The header is padded so that data starts at a multiple of 64 bytes, as numpy writes it.
    @Test func npyHeaderIsAligned() throws {
        let folder = temporaryFolder()
        try Tensor<Float>(zeros: [3]).writeNpy(folder.appendingPathComponent("a.npy"))
        let data = try Data(contentsOf: folder.appendingPathComponent("a.npy"))
        #expect((data.count - 12) % 64 == 0)
    }

    @Test func brokenNpyFilesGiveClearErrors() throws {
        let good = try Data(contentsOf: fixturesURL.appendingPathComponent("torch/relu/input.npy"))
        func replacing(_ old: String, _ new: String) -> Data {
            var bytes = [UInt8](good)
            let pattern = Array(old.utf8), replacement = Array(new.utf8)
            let start = (0...(bytes.count - pattern.count)).first {
                Array(bytes[$0..<($0 + pattern.count)]) == pattern
            }!
            bytes.replaceSubrange(start..<(start + pattern.count), with: replacement)
            return Data(bytes)
        }
        let cases: [(Data, String)] = [
            (Data(), "magic"),
            (Data("hello world, not numpy".utf8), "magic"),
            (good.prefix(good.count - 7), "truncated"),
            (replacing("'<f4'", "'>f4'"), "dtype"),
            (replacing("False", "True "), "Fortran"),
        ]
        for (bytes, fragment) in cases {
            #expect {
                _ = try NpyFile.parse(bytes, file: "case.npy")
            } throws: { error in
                "\(error)".contains("case.npy") && "\(error)".contains(fragment)
            }
        }
    }

    /// Random bytes after a valid magic never crash the parser: every outcome is a value or an error.
    @Test func randomBytesNeverCrashTheNpyParser() {
        var generator = SeededGenerator(seed: 77)
        let good = try! Data(contentsOf: fixturesURL.appendingPathComponent("torch/relu/input.npy"))
        for trial in 0..<300 {
            var bytes = [UInt8](good)
            for _ in 0..<(1 + trial % 8) {
                let i = Int(generator.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: generator.next())
            }
            if trial % 3 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            _ = try? NpyFile.parse(Data(bytes), file: "fuzz.npy")
        }
    }

    @Test(arguments: ["rgb8", "palette"])
    func pngFromPillowDecodesToPillowsValues(name: String) throws {
        let tensor = try PNGImage.read(images.appendingPathComponent("\(name).png"), channels: 3)
        let expected = try Tensor<Float>.readNpy(images.appendingPathComponent("\(name).expected.npy"))
        #expect(tensor.shape == [1] + expected.shape)
        #expect(maxRelativeDifference(tensor.scalars.map { $0 * 255 }, expected.scalars) < 1e-4)
    }

    @Test func greyAndAlphaPNGs() throws {
        let grey = try PNGImage.read(images.appendingPathComponent("gray8.png"), channels: 1)
        let expected = try Tensor<Float>.readNpy(images.appendingPathComponent("gray8.expected.npy"))
        #expect(maxRelativeDifference(grey.scalars.map { $0 * 255 }, expected.scalars) < 1e-4)
        let rgba = try PNGImage.read(images.appendingPathComponent("rgba8.png"), channels: 3)
        let rgb = try PNGImage.read(images.appendingPathComponent("rgb8.png"), channels: 3)
        #expect(rgba == rgb)
    }

    @Test(arguments: ["truncated.png", "not-a-png.png", "missing.png"])
    func brokenPNGsGiveClearErrors(name: String) {
        #expect {
            _ = try PNGImage.read(images.appendingPathComponent(name))
        } throws: { error in
            "\(error)".contains(name)
        }
    }

    @Test func pngWriteReadRoundTrip() throws {
        let folder = temporaryFolder()
        let pixels = (0..<(4 * 3 * 3)).map { UInt8($0 * 7 % 256) }
        try PNGImage.writeRGB(pixels, width: 4, height: 3, to: folder.appendingPathComponent("p.png"))
        let back = try PNGImage.read(folder.appendingPathComponent("p.png"))
        for y in 0..<3 {
            for x in 0..<4 {
                for c in 0..<3 { #expect(UInt8((back[0, c, y, x] * 255).rounded()) == pixels[(y * 4 + x) * 3 + c]) }
            }
        }
    }
}

/// JPEG (libjpeg-turbo), CIFAR-10 batches and resampling.
@Suite(.tags(.conformance)) struct DatasetReaderTests {
    let images = fixturesURL.appendingPathComponent("images")

    /// Pillow and TurboJPEG both use libjpeg-turbo but may pick other IDCT/upsampling paths: within 3/255.
    @Test func jpegDecodesLikePillow() throws {
        let tensor = try JPEGImage.read(images.appendingPathComponent("photo.jpg"))
        let expected = try Tensor<Float>.readNpy(images.appendingPathComponent("photo.expected.npy"))
        #expect(tensor.shape == [1] + expected.shape)
        let worst = zip(tensor.scalars, expected.scalars).map { abs(Double($0) * 255 - Double($1)) }.max()!
        #expect(worst <= 3)
    }

    @Test func brokenJPEGIsAnError() {
        #expect { _ = try JPEGImage.read(images.appendingPathComponent("truncated.jpg")) } throws: {
            "\($0)".contains("truncated.jpg")
        }
        #expect { _ = try JPEGImage.read(images.appendingPathComponent("not-a-png.png")) } throws: {
            "\($0)".contains("JPEG")
        }
    }

    @Test func cifarBatch() throws {
        let (tensor, _) = try InputLoader.load(images.appendingPathComponent("cifar-mini.bin").path, channels: 3)
        let expected = try Tensor<Float>.readNpy(images.appendingPathComponent("cifar-mini.expected.npy"))
        #expect(tensor.shape == [3, 3, 32, 32])
        #expect(maxRelativeDifference(tensor.scalars.map { $0 * 255 }, expected.scalars) < 1e-4)
        let limited = try InputLoader.load(images.appendingPathComponent("cifar-mini.bin").path, channels: 1, limit: 2)
            .tensor
        #expect(limited.shape == [2, 1, 32, 32])
        #expect {
            _ = try InputLoader.load(images.appendingPathComponent("cifar-truncated.bin").path, channels: 3)
        } throws: { "\($0)".contains("multiple of 3073") }
    }

    /// Area averaging when shrinking by an integer factor is the block mean; same size is the identity.
    @Test func resampling() {
        let x = Tensor<Float>(shape: [1, 1, 4, 6]) { Float($0) }
        #expect(Resampling.centreCropAndResize(x, height: 4, width: 6) == x)
        let half = Resampling.centreCropAndResize(x, height: 2, width: 3)
        #expect(half.scalars == [3.5, 5.5, 7.5, 15.5, 17.5, 19.5])
        // A square target takes the centred 4×4 window (columns 1…4) of the 4×6 image.
        let square = Resampling.centreCropAndResize(x, height: 4, width: 4)
        #expect(square.scalars[0] == 1 && square.scalars[3] == 4)
        let up = Resampling.centreCropAndResize(Tensor<Float>(shape: [1, 1, 2, 2]) { Float($0) }, height: 4, width: 4)
        #expect(up.shape == [1, 1, 4, 4] && up.scalars[0] == 0 && up.scalars[15] == 3)
    }

    /// Pillow's `Image.resize` on float ("F") images, written by scripts/make_image_fixtures.py: BOX when shrinking,
    /// BILINEAR when enlarging, at integer and non-integer ratios. Tolerance 1e-6: Pillow accumulates in float32.
    @Test func resamplingMatchesPillow() throws {
        let source = try Tensor<Float>.readNpy(images.appendingPathComponent("resize-source.npy"))
        let planes = try Tensor<Float>(shape: [2, 1, 13, 17], scalars: source.scalars)
        for name in ["box-5x7", "box-4x9", "box-6x8", "bilinear-20x31", "bilinear-26x34"] {
            let expected = try Tensor<Float>.readNpy(images.appendingPathComponent("resize-\(name).npy"))
            let resized = Resampling.resize(planes, height: expected.shape[1], width: expected.shape[2])
            let worst = zip(resized.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(resized.scalars.count == expected.scalars.count && worst < 1e-6, "\(name): \(worst)")
        }
    }

    @Test func foldersOfMixedImagesAreResizedToOneSize() throws {
        let folder = temporaryFolder()
        for name in ["rgb8.png", "photo.jpg", "cifar-mini.bin"] {
            try FileManager.default.copyItem(
                at: images.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let (tensor, files) = try InputLoader.load(folder.path, channels: 3, size: (8, 8))
        #expect(tensor.shape == [5, 3, 8, 8])
        #expect(files.count == 3)
        #expect { _ = try InputLoader.load(folder.path, channels: 3) } throws: { "\($0)".contains("differs") }
    }
}
