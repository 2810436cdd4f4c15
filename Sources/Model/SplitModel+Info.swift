public import Core

extension SplitModel {
    /// A description for `vfl model info`: id, name, key, parties with features and layer shapes, top, output.
    public var info: JSONValue {
        func layers(_ list: [Layer]) -> JSONValue {
            .array(
                list.map { layer in
                    switch layer {
                    case .dense(let d):
                        return [
                            "kind": "dense", "in": .number(Double(d.inputWidth)), "out": .number(Double(d.outputWidth)),
                            "activation": .string(d.activation.name),
                        ]
                    case .trees(let t):
                        return [
                            "kind": "tree_ensemble", "in": .number(Double(t.inputWidth)),
                            "out": .number(Double(t.outputWidth)), "trees": .number(Double(t.roots.count)),
                            "nodes": .number(Double(t.nodes.count)), "output": .string(t.output.rawValue),
                        ]
                    }
                })
        }
        let outputJSON: JSONValue
        switch output {
        case .rangeSigmoid(let lo, let hi):
            outputJSON = ["kind": "range_sigmoid", "min": .number(lo), "max": .number(hi)]
        case .linear(let lo, let hi):
            outputJSON = [
                "kind": "linear", "min": lo.map(JSONValue.number) ?? .null, "max": hi.map(JSONValue.number) ?? .null,
            ]
        case .pdo(let base, let odds, let pdo, let lo, let hi):
            outputJSON = [
                "kind": "pdo", "base": .number(base), "odds": .number(odds), "pdo": .number(pdo),
                "min": lo.map(JSONValue.number) ?? .null, "max": hi.map(JSONValue.number) ?? .null,
            ]
        }
        return [
            "id": .string(id), "name": .string(name), "key": .string(key),
            "parties": .array(
                parties.map { party in
                    [
                        "name": .string(party.name),
                        "features": .array(party.features.map { .string($0.name) }),
                        "representation_width": .number(Double(party.representationWidth)),
                        "layers": layers(party.layers),
                    ]
                }),
            "top": ["masks": .bool(masks), "input_width": .number(Double(topInputWidth)), "layers": layers(top)],
            "output": outputJSON,
            "reason_codes": .number(Double(reasons.count)),
        ]
    }
}

extension SplitModel {
    /// The memory its parameters take once loaded, in bytes: every layer's weights and biases, every tree ensemble's
    /// nodes, leaves and tables (what a cache of loaded models is bounded by).
    public var parameterBytes: Int {
        func bytes(_ layer: Layer) -> Int {
            switch layer {
            case .dense(let d):
                return (d.weights.count + d.bias.count) * MemoryLayout<Float>.stride
            case .trees(let t):
                return t.nodes.count * MemoryLayout<TreeEnsembleLayer.Node>.stride
                    + (t.roots.count + t.treeClass.count + t.depths.count + t.leafIndex.count)
                    * MemoryLayout<Int32>.stride + (t.leafValue.count + t.baseScore.count) * MemoryLayout<Float>.stride
            }
        }
        return (parties.flatMap(\.layers) + top).reduce(0) { $0 + bytes($1) }
    }
}

extension Party {
    /// Whether a shard read for `other` gives this party the same standardized inputs: the same features in the same
    /// order, each with the same column or derivation, statistics, transform and value map, and the same reading of a
    /// missing cell (a tree ensemble's NaN, a network's 0). A challenger's party that
    /// does shares the champion's values in the pass over the shard (the worker decides on the shard's own columns;
    /// this is the model-level view ingest plans memory with).
    public func readsInputs(like other: Party) -> Bool {
        // A tree ensemble reads a missing cell as NaN, a network as 0: the same columns give other inputs.
        (layers.first?.isTrees ?? false) == (other.layers.first?.isTrees ?? false)
            && features.elementsEqual(other.features) { a, b in
                a.name == b.name && a.mean.bitPattern == b.mean.bitPattern && a.std.bitPattern == b.std.bitPattern
                    && a.signedLog == b.signedLog && a.derivation == b.derivation
                    && (a.values == nil) == (b.values == nil)
                    && (a.values ?? []).elementsEqual(b.values ?? []) { $0.text == $1.text && $0.value == $1.value }
            }
    }
}
