import Dispatch
import Foundation

extension Collection {
    /// `map` with the elements spread over the cores (`DispatchQueue.concurrentPerform`), results in order. For
    /// independent pieces of work that each take milliseconds (one layer's files); the first error in element order is
    /// rethrown after all have run. Task-local values are not inherited by the worker threads: `transform` must bind
    /// what it needs itself.
    package func concurrentMap<T>(_ transform: (Element) throws -> T) throws -> [T] {
        guard count > 1 else { return try map(transform) }
        var results = [Result<T, Error>?](repeating: nil, count: count)
        let workers = Swift.min(count, Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
        let positions = PositionDispenser(), elements = Array(self)
        withoutActuallyEscaping(transform) { transform in
            results.withUnsafeMutableBufferPointer { slots in
                // Each position is taken by one worker (under the dispenser's lock) and written by it alone.
                let shared = UncheckedSendable((slots: slots, elements: elements, transform: transform))
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    let (slots, elements, transform) = shared.value
                    while let position = positions.next(below: elements.count) {
                        slots[position] = Result { try transform(elements[position]) }
                    }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Hands out 0, 1, 2, … to concurrent workers, each number once.
private final class PositionDispenser: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0

    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard taken < limit else { return nil }
        taken += 1
        return taken - 1
    }
}
