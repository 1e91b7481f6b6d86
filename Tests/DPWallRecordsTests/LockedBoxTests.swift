import DPWallRecords
import Dispatch
import Testing

/// The lock-owning box: waiting for a change, and the lock refused while another thread holds it.
@Suite struct LockedBoxTests {
    @Test func aWaiterSeesTheChangeItWaitsFor() {
        let box = LockedBox(0)
        let seen = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.withLock { locked in
                while locked.value == 0 { locked.wait() }
            }
            seen.signal()
        }
        box.withLock { locked in
            locked.value = 1
            locked.broadcast()
        }
        seen.wait()
        #expect(box.withLock { $0.value } == 1)
    }

    @Test func theLockIsRefusedWhileHeldElsewhere() {
        let box = LockedBox([1, 2])
        let refused = box.withLock { locked in
            locked.value.append(3)
            return DispatchQueue.global().sync { box.withLockIfAvailable { $0.value.count } == nil }
        }
        #expect(refused)
        #expect(box.withLockIfAvailable { $0.value } == [1, 2, 3])
    }

    @Test func unlockedLetsAnotherThreadIn() {
        let box = LockedBox(0)
        box.withLock { locked in
            locked.unlocked {
                DispatchQueue.global().sync { box.withLock { $0.value = 5 } }
            }
            #expect(locked.value == 5)
        }
    }
}
