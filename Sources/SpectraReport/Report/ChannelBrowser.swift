import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO

/// The report's per-channel browser (runs analysed with `--per-channel`): pick a layer and step through its channels'
/// spectrum maps, drawn in the page from embedded data (no network access). Each channel's dataset-averaged power map
/// E|H_c|² is centred, shown in dB below the layer's largest value over all channels (one scale per layer, so channels
/// compare), clipped at `floorDB`, and quantised to 256 levels; maps wider than `maxSide` are block-averaged (in
/// power) for the page, and at most `maxChannels` channels per layer are embedded. The numbers themselves are in
/// `spectra/NN-<layer>.channel-power.npy`.
enum ChannelBrowser {
    static let floorDB = -80.0
    static let maxSide = 64
    static let maxChannels = 256
    /// The most map bytes embedded in one page (about 1.3 times that as base64): later layers are left out beyond it.
    static let maxTotalBytes = 12 << 20

    /// The size of a map on the page: block-averaged by `factor` so that neither side exceeds `maxSide`.
    static func reduced(rows m: Int, columns n: Int) -> (rows: Int, columns: Int, factor: Int) {
        let factor = max(1, (max(m, n) + maxSide - 1) / maxSide)
        return ((m + factor - 1) / factor, (n + factor - 1) / factor, factor)
    }

    static func section(_ summary: AnalysisSummary, folder: URL) -> String {
        var layers: [String] = []
        var total = 0, omitted = 0
        for layer in summary.layers {
            guard let file = layer.channelPowerFile,
                let url = try? SafePath.resolve(file, inside: folder, what: "channel power map"),
                let array = try? NpyFile.read(url), array.shape.count == 3,
                let values = try? array.realValues(file: url.path),
                values.count == array.shape.reduce(1, *), array.shape[1] > 0, array.shape[2] > 0
            else { continue }
            let shown = reduced(rows: array.shape[1], columns: array.shape[2])
            let bytes = min(array.shape[0], maxChannels) * shown.rows * shown.columns
            guard total + bytes <= maxTotalBytes else {
                omitted += 1
                continue
            }
            total += bytes
            layers.append(entry(layer, values: values, shape: array.shape))
        }
        guard !layers.isEmpty else { return "" }
        let lut = (0..<256).map { k -> String in
            let (r, g, b) = Colormap.viridis.colour(at: Double(k) / 255)
            return String(format: "\"#%02x%02x%02x\"", r, g, b)
        }.joined(separator: ",")
        let left =
            omitted > 0 ? " \(omitted) layers are left out to keep the page small; their maps are in spectra/." : ""
        return
            "<h2 id=\"channels\">Channels</h2><p>Each channel's power map over the dataset, centred, in dB below the layer's largest value "
            + "(one scale per layer, clipped at \(Int(floorDB)) dB). The share is the channel's part of the layer's power.\(left)</p>"
            + "<p class=\"picker\"><label>Layer<select id=\"channel-layer\"></select></label>"
            + "<label>Channel<input id=\"channel-index\" type=\"range\" min=\"0\" value=\"0\"></label> <span id=\"channel-caption\"></span></p>"
            + "<canvas id=\"channel-map\" width=\"256\" height=\"256\" style=\"image-rendering:pixelated;border:1px solid #eee\"></canvas>"
            + "<script>var channelLayers=[\(layers.joined(separator: ","))];var viridis=[\(lut)];\(script)</script>"
    }

    /// One layer as a JavaScript object: name, map size, channel count, per-channel shares and the quantised maps.
    private static func entry(_ layer: AnalysisSummary.LayerInfo, values: [Double], shape: [Int]) -> String {
        let (channels, m, n) = (min(shape[0], maxChannels), shape[1], shape[2])
        let plane = m * n
        let (rows, columns, factor) = reduced(rows: m, columns: n)
        let total = values.reduce(0, +)
        var shares: [String] = []
        var maps: [[Double]] = []
        for c in 0..<channels {
            let map = SpectrumStatistics.centred(Array(values[(c * plane)..<((c + 1) * plane)]), rows: m, columns: n)
            shares.append(total > 0 ? String(format: "%.4g", map.reduce(0, +) / total) : "0")
            var reduced = [Double](repeating: 0, count: rows * columns), counts = reduced
            for u in 0..<m {
                for v in 0..<n {
                    reduced[(u / factor) * columns + v / factor] += map[u * n + v]
                    counts[(u / factor) * columns + v / factor] += 1
                }
            }
            maps.append(zip(reduced, counts).map { $0 / max($1, 1) })
        }
        let peak = maps.flatMap { $0 }.max() ?? 0
        var bytes = [UInt8]()
        bytes.reserveCapacity(channels * rows * columns)
        for map in maps {
            for p in map {
                let decibels = p > 0 && peak > 0 ? 10 * log10(p / peak) : floorDB
                bytes.append(UInt8(((max(floorDB, min(0, decibels)) - floorDB) / -floorDB * 255).rounded()))
            }
        }
        let name = "\(layer.index) \(layer.name)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\""
        )
        .replacingOccurrences(of: "<", with: "\\u003c")
        return
            "{name:\"\(name)\",rows:\(rows),columns:\(columns),channels:\(channels),of:\(shape[0]),shares:[\(shares.joined(separator: ","))],"
            + "data:\"\(Data(bytes).base64EncodedString())\"}"
    }

    private static let script = """
        (function(){var s=document.getElementById('channel-layer'),r=document.getElementById('channel-index'),
        cap=document.getElementById('channel-caption'),cv=document.getElementById('channel-map'),g=cv.getContext('2d');
        channelLayers.forEach(function(l,i){var o=document.createElement('option');o.value=i;o.textContent=l.name;s.appendChild(o);
        l.bytes=Uint8Array.from(atob(l.data),function(ch){return ch.charCodeAt(0);});});
        function draw(){var l=channelLayers[s.value],c=Math.min(+r.value,l.channels-1),n=l.rows*l.columns;
        var scale=Math.max(1,Math.floor(256/Math.max(l.rows,l.columns)));cv.width=l.columns*scale;cv.height=l.rows*scale;
        for(var k=0;k<n;k++){g.fillStyle=viridis[l.bytes[c*n+k]];g.fillRect((k%l.columns)*scale,Math.floor(k/l.columns)*scale,scale,scale);}
        cap.textContent='channel '+c+' of '+l.of+(l.of>l.channels?' (first '+l.channels+' shown)':'')+', share of the layer\\'s power '+l.shares[c];}
        s.addEventListener('change',function(){r.max=channelLayers[s.value].channels-1;r.value=0;draw();});
        r.addEventListener('input',draw);r.max=channelLayers[0].channels-1;draw();})();
        """
}
