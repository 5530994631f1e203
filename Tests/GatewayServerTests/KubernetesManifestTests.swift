import Foundation
import Testing

/// SPEC §14: deploy/kubernetes/ against the Kubernetes schemas, and the promises the manifests
/// make to each other, to the Containerfile and to the gateway (ports, paths, timing, users).
@Suite(.serialized) struct KubernetesManifestTests {
    static let manifestFiles: [String] = {
        let manager = FileManager.default
        return ["deploy/kubernetes", "deploy/kubernetes/tls"].flatMap { directory in
            ((try? manager.contentsOfDirectory(atPath: DeploymentFiles.url(directory).path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
        }
    }()

    /// The oldest Kubernetes release still commonly run, and the newest kubernetes-validate knows.
    @Test("every manifest passes strict schema validation", arguments: ["1.30.0", "1.37.0"])
    func schemaValidation(kubernetesVersion: String) throws {
        guard let validate = DeploymentFiles.venvTool("kubernetes-validate") else { return }
        #expect(Self.manifestFiles.count == 8, "\(Self.manifestFiles)")
        let result = try runCommand(validate, ["--strict", "--kubernetes-version", kubernetesVersion]
            + Self.manifestFiles.map { DeploymentFiles.url($0).path })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let passed = result.stdout.split(separator: "\n").filter { $0.contains(" passed for resource ") }
        #expect(passed.count == Self.manifestFiles.count, "\(result.stdout)\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("WARN"), "\(result.stdout)\(result.stderr)")
    }

    /// The validator is strict: a misspelt field fails (so the test above can fail).
    @Test func validatorRejectsAMisspeltField() throws {
        guard let validate = DeploymentFiles.venvTool("kubernetes-validate") else { return }
        let text = try String(contentsOf: DeploymentFiles.url("deploy/kubernetes/deployment.yaml"), encoding: .utf8)
        let broken = try temporaryFile(text.replacingOccurrences(of: "readinessProbe:", with: "readinesProbe:"), name: "deployment.yaml")
        let result = try runCommand(validate, ["--strict", "--kubernetes-version", "1.37.0", broken.path])
        #expect(result.status != 0, "\(result.stdout)")
        #expect((result.stdout + result.stderr).contains("readinesProbe"), "\(result.stdout)\(result.stderr)")
    }

    @Test("the pod: replicas, probes on the probes port, drain inside the grace period, non-root, read-only root")
    func podSpec() throws {
        let deployment = try DeploymentManifest.load()
        let container = try deployment.container
        let config = try #require(try JSONSerialization.jsonObject(with: Data(ConfigMapManifest.load().gatewayJSON.utf8)) as? [String: Any])

        #expect(deployment.spec.replicas >= 2)
        // Probes and scrapes reach the probes listener; admin stays on loopback.
        let probesPort = try deployment.port(named: "probes")
        #expect(config["probes"] as? String == "0.0.0.0:\(probesPort)")
        #expect((config["admin"] as? String)?.hasPrefix("127.0.0.1:") == true, "admin must stay on loopback")
        #expect(config["listen"] as? [String] == ["0.0.0.0:\(try deployment.port(named: "http"))"])
        #expect(container.readinessProbe?.httpGet.path == "/readyz")
        #expect(container.readinessProbe?.httpGet.port == "probes")
        #expect(container.livenessProbe?.httpGet.path == "/healthz")
        #expect(container.livenessProbe?.httpGet.port == "probes")
        let annotations = deployment.spec.template.metadata.annotations ?? [:]
        #expect(annotations["prometheus.io/scrape"] == "true")
        #expect(annotations["prometheus.io/port"] == String(probesPort))
        #expect(annotations["prometheus.io/path"] == "/metrics")

        // preStop, then the drain budget and the one second after it, inside the grace period.
        let drainSeconds = try #require(Int(try deployment.argument("--drain-timeout-ms"))) / 1000
        let needed = try deployment.preStopSeconds + drainSeconds + 1
        #expect(deployment.pod.terminationGracePeriodSeconds > needed,
                "grace \(deployment.pod.terminationGracePeriodSeconds) s must exceed preStop + drain + 1 s = \(needed) s")

        let pod = deployment.pod.securityContext
        #expect(pod?.runAsNonRoot == true)
        #expect((pod?.runAsUser ?? 0) > 0)
        #expect(container.securityContext?.readOnlyRootFilesystem == true)
        #expect(container.securityContext?.allowPrivilegeEscalation == false)
        #expect(container.resources?.requests?["cpu"] != nil && container.resources?.requests?["memory"] != nil)
        #expect(container.resources?.limits?["memory"] != nil)
    }

    /// gateway.json and the certificates arrive as directories, so updates are symlink swaps.
    @Test func configAndCertificatesAreDirectoryMounts() throws {
        let deployment = try DeploymentManifest.load()
        let container = try deployment.container
        let configMap = try ConfigMapManifest.load()
        let secretName = try #require(try DeploymentFiles.documents("deploy/kubernetes/tls/secret.yaml").first?["metadata"] as? [String: Any])["name"] as? String

        let configVolume = try #require(deployment.pod.volumes.first { $0.configMap?.name == configMap.metadata.name })
        let configMount = try #require(container.volumeMounts.first { $0.name == configVolume.name })
        #expect(configMount.subPath == nil, "a subPath mount never sees ConfigMap updates")
        #expect(configMount.readOnly == true)
        #expect(try deployment.argument("--config") == configMount.mountPath + "/gateway.json")

        let tlsVolume = try #require(deployment.pod.volumes.first { $0.secret != nil })
        #expect(tlsVolume.secret?.secretName == secretName)
        #expect(tlsVolume.secret?.optional == true, "pods start without the TLS Secret")
        let tlsMount = try #require(container.volumeMounts.first { $0.name == tlsVolume.name })
        #expect(tlsMount.subPath == nil)
        #expect(tlsMount.readOnly == true)
        #expect(!tlsMount.mountPath.hasPrefix(configMount.mountPath + "/"), "not nested in the ConfigMap's volume")
    }

    /// The optional TLS part: SPEC §12's `listen` object, naming the Secret's files where the
    /// Deployment mounts them; the rest of gateway.json as in the base ConfigMap.
    @Test func tlsVariantMatchesSpec12() throws {
        func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let base = try object(try ConfigMapManifest.load().gatewayJSON)
        let tls = try object(try ConfigMapManifest.load("deploy/kubernetes/tls/configmap.yaml").gatewayJSON)
        let deployment = try DeploymentManifest.load()
        let tlsVolume = try #require(deployment.pod.volumes.first { $0.secret != nil })
        let tlsDirectory = try #require(try deployment.container.volumeMounts.first { $0.name == tlsVolume.name }).mountPath
        let secret = try #require(try DeploymentFiles.documents("deploy/kubernetes/tls/secret.yaml").first)
        let secretKeys = Set(try #require(secret["stringData"] as? [String: String]).keys)

        let listen = try #require(tls["listen"] as? [Any])
        #expect(listen.count == 2)
        #expect(listen.first as? String == (base["listen"] as? [String])?.first)
        let entry = try #require(listen.last as? [String: Any])
        #expect(Set(entry.keys) == ["address", "tls"])
        #expect(entry["address"] as? String == "0.0.0.0:\(try deployment.port(named: "https"))")
        let settings = try #require(entry["tls"] as? [String: Any])
        #expect(Set(settings.keys).isSubset(of: ["certificates", "minimumVersion", "alpn"]))
        #expect(["1.2", "1.3"].contains(settings["minimumVersion"] as? String ?? ""))
        #expect(Set(settings["alpn"] as? [String] ?? ["?"]).isSubset(of: ["h2", "http/1.1"]))
        let certificates = try #require(settings["certificates"] as? [[String: String]])
        #expect(certificates.count == 1)
        for certificate in certificates {
            #expect(Set(certificate.keys) == ["certificateChain", "privateKey"])
            for path in certificate.values {
                let file = URL(fileURLWithPath: path)
                #expect(file.deletingLastPathComponent().path == tlsDirectory, "\(path) is not in the Secret's mount")
                #expect(secretKeys.contains(file.lastPathComponent), "\(path) is not a key of the Secret")
            }
        }
        var rest = tls
        var baseRest = base
        rest["listen"] = nil
        baseRest["listen"] = nil
        #expect(NSDictionary(dictionary: rest).isEqual(to: baseRest), "the TLS gateway.json differs from the base one beyond listen")

        let service = try #require(try DeploymentFiles.documents("deploy/kubernetes/tls/service.yaml").first)
        let ports = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        #expect(ports.compactMap { $0["targetPort"] as? String }.sorted() == ["http", "https"])
    }

    /// Service, PodDisruptionBudget and HorizontalPodAutoscaler select and scale this Deployment.
    @Test func objectsReferToTheDeployment() throws {
        let deployment = try DeploymentManifest.load()
        let labels = try #require(deployment.spec.template.metadata.labels)
        func selects(_ selector: [String: Any]?) -> Bool {
            guard let selector = selector as? [String: String], !selector.isEmpty else { return false }
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
        let service = try #require(try DeploymentFiles.documents("deploy/kubernetes/service.yaml").first?["spec"] as? [String: Any])
        #expect(selects(service["selector"] as? [String: Any]))
        let servicePorts = try #require(service["ports"] as? [[String: Any]])
        #expect(servicePorts.compactMap { $0["targetPort"] as? String } == ["http"], "never the probes or admin port")

        let budget = try #require(try DeploymentFiles.documents("deploy/kubernetes/poddisruptionbudget.yaml").first?["spec"] as? [String: Any])
        #expect(selects((budget["selector"] as? [String: Any])?["matchLabels"] as? [String: Any]))
        #expect(budget["maxUnavailable"] as? Int == 1)

        let autoscaler = try #require(try DeploymentFiles.documents("deploy/kubernetes/horizontalpodautoscaler.yaml").first?["spec"] as? [String: Any])
        let target = try #require(autoscaler["scaleTargetRef"] as? [String: Any])
        #expect(target["kind"] as? String == "Deployment" && target["name"] as? String == deployment.metadata.name)
        #expect((autoscaler["minReplicas"] as? Int ?? 0) >= 2)
        #expect((autoscaler["maxReplicas"] as? Int ?? 0) > (autoscaler["minReplicas"] as? Int ?? 0))
    }

    /// The shipped gateway.json passes `cors-gateway check`.
    @Test func configMapGatewayJSONPassesCheck() throws {
        let file = try temporaryFile(try ConfigMapManifest.load().gatewayJSON)
        let result = try GatewayExecutable.run(["check", "--config", file.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// The image the Deployment runs: the same user, the ports it declares, a binary as entry point.
    @Test func containerfileMatchesTheDeployment() throws {
        let text = try String(contentsOf: DeploymentFiles.url("Containerfile"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let deployment = try DeploymentManifest.load()
        let from = lines.filter { $0.hasPrefix("FROM ") }
        #expect(from.count == 2, "multi-stage: build, then run")
        #expect(from.first?.hasPrefix("FROM swift:6.3") == true)
        #expect(from.last == "FROM debian:12-slim")
        let uid = try #require(deployment.pod.securityContext?.runAsUser)
        #expect(lines.contains("USER \(uid):\(uid)"))
        #expect(text.contains("--uid \(uid)"))
        for package in ["libcurl4", "libpsl5", "publicsuffix", "ca-certificates"] {
            #expect(text.contains(" \(package) ") || text.contains(" \(package)\n"), "\(package) is not installed")
        }
        let exposed = lines.first { $0.hasPrefix("EXPOSE ") }?.split(separator: " ").dropFirst().compactMap { Int($0) } ?? []
        #expect(Set(exposed) == [try deployment.port(named: "http"), try deployment.port(named: "probes")])
        #expect(lines.contains(#"ENTRYPOINT ["/usr/local/bin/cors-gateway"]"#))
        #expect(try deployment.container.args.first == "serve")
    }
}
