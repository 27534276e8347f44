/// Names of layers and nodes as figures show them. Exported graphs name nodes by their module path
/// (`/decoder/up_blocks.0/resnets.1/conv2/Conv`): the informative part is the end, so a long path keeps its last
/// segments whole ("…/resnets.1/conv2/Conv") rather than being cut in the middle of a word. Tables and JSON keep the
/// full name.
package enum DisplayName {
    package static func short(_ name: String, maxLength: Int = 32) -> String {
        guard name.count > maxLength else { return name }
        let segments = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments.count > 1 {
            var kept: [String] = []
            for segment in segments.reversed() {
                let candidate = "…/" + ([segment] + kept).joined(separator: "/")
                if candidate.count > maxLength { break }
                kept.insert(segment, at: 0)
            }
            if !kept.isEmpty { return "…/" + kept.joined(separator: "/") }
        }
        // One long segment: its start and end, which carry the module and the op.
        let head = (maxLength - 1) / 2, tail = maxLength - 1 - head
        return String(name.prefix(head)) + "…" + String(name.suffix(tail))
    }
}
