/// "Did you mean …?" for names typed by users (models, experiments): the candidate within two edits
/// (Levenshtein distance, case-insensitive), or the one the typed text begins.
package enum NameSuggestion {
    package static func closest(to name: String, among candidates: [String]) -> String? {
        let typed = Array(name.lowercased())
        let scored = candidates.map { ($0, distance(typed, Array($0.lowercased()))) }
            .filter { $0.1 <= 2 || (!name.isEmpty && $0.0.lowercased().hasPrefix(name.lowercased())) }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
