/// A value handed to the threads of `DispatchQueue.concurrentPerform` that Swift cannot prove safe to share, where the
/// caller partitions the accesses (each thread writes its own part of a buffer, or takes a lock): the caller vouches
/// for it, at the one place where the threads start.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
