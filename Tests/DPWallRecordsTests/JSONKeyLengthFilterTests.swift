import DPWallRecords
import Testing

/// The key-length filter skips comparisons only where no duplicate can be; every duplicate is still found.
@Suite struct JSONKeyLengthFilterTests {
    @Test(arguments: [
        #"{"ab":1,"cd":2,"ab":3}"#,  // same length as an earlier, different key
        #"{"a":1,"bcd":2,"\u0061":3}"#,  // the escaped spelling is longer than the key it repeats
        #"{"\u0061":1,"bcd":2,"a":3}"#,  // the escaped one came first
        #"{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":18}"#,
        #"{"x":{"ab":1,"ab":2}}"#,
        #"{"ab":1,"ac":2,"ab":3}"#,  // same length and first byte as an earlier, different key
        #"{"id":1,"ts":2,"name":3,"data":4,"ts":5}"#,  // the record's own keys, which the filter tells apart
        #"{"":1,"a":2,"":3}"#,  // empty keys

        #"{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":1,"bb":2,"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":3}"#,
    ])
    func duplicatesAreFound(_ text: String) {
        #expect(jsonError(text)?.code == .duplicateKey, "\(text)")
    }

    @Test func distinctKeysOfTheSameLengthPass() {
        #expect(jsonError(#"{"ab":1,"cd":2,"ef":3,"\u0067h":4,"b":{"ab":1}}"#) == nil)
        #expect(jsonError(#"{"ab":1,"ac":2,"ad":3,"":4,"a":5,"id":6,"ts":7,"name":8,"data":9}"#) == nil)
    }
}
