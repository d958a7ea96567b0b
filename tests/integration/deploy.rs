//! The deployment files stay true to the server: every manifest parses, and every probe they
//! declare names a route the server answers on the port it listens on.

use std::path::PathBuf;

use sharaka_test_support::{Backend, Data, TestApp};
use yaml_rust2::{Yaml, YamlLoader};

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn documents(file: &str) -> Vec<Yaml> {
    let text =
        std::fs::read_to_string(deploy_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file} does not parse: {e}"))
}

/// Every (path, port) of the HTTP probes in the Kubernetes Deployment.
fn k8s_probes() -> Vec<(String, i64)> {
    let mut probes = Vec::new();
    for doc in documents("k8s/deployment.yaml") {
        for container in doc["spec"]["template"]["spec"]["containers"]
            .as_vec()
            .into_iter()
            .flatten()
        {
            for probe in ["livenessProbe", "readinessProbe"] {
                let http = &container[probe]["httpGet"];
                let path = http["path"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{probe} has no path"));
                let port = http["port"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("{probe} has no numeric port"));
                probes.push((path.to_owned(), port));
            }
            let ports: Vec<i64> = container["ports"]
                .as_vec()
                .into_iter()
                .flatten()
                .filter_map(|p| p["containerPort"].as_i64())
                .collect();
            assert!(
                ports.contains(&8080),
                "the container exposes 8080: {ports:?}"
            );
        }
    }
    probes
}

#[test]
fn every_manifest_parses_and_the_deployment_is_replicated() {
    for file in [
        "k8s/deployment.yaml",
        "k8s/service.yaml",
        "k8s/configmap.yaml",
        "k8s/secret.yaml",
        "k8s/hpa.yaml",
        "k8s/migrate-job.yaml",
        "docker-compose.yml",
    ] {
        assert!(!documents(file).is_empty(), "{file} is empty");
    }
    let deployment = &documents("k8s/deployment.yaml")[0];
    assert!(
        deployment["spec"]["replicas"]
            .as_i64()
            .is_some_and(|r| r >= 2),
        "two replicas or more"
    );
    let job = &documents("k8s/migrate-job.yaml")[0];
    let args: Vec<&str> = job["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(args, ["migrate", "up"]);
    let dockerfile = std::fs::read_to_string(deploy_dir().join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains("SHARAKA_LISTEN=0.0.0.0:8080") && dockerfile.contains("EXPOSE 8080")
    );
    assert!(
        dockerfile.contains("USER sharaka"),
        "the image runs as a non-root user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_probe_answers_on_the_server() {
    let app = TestApp::new(Backend::Sqlite, Data::Empty)
        .await
        .expect("app");
    let base = app.spawn().await.expect("server");
    let client = reqwest::Client::new();
    let mut paths: Vec<String> = k8s_probes().into_iter().map(|(path, _)| path).collect();
    let compose = &documents("docker-compose.yml")[0];
    let check: Vec<&str> = compose["services"]["sharaka"]["healthcheck"]["test"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter_map(Yaml::as_str)
        .collect();
    let url = check.last().expect("a probe URL");
    paths.push(url.trim_start_matches("http://127.0.0.1:8080").to_owned());
    let dockerfile = std::fs::read_to_string(deploy_dir().join("Dockerfile")).expect("Dockerfile");
    let health = dockerfile
        .split("http://127.0.0.1:8080")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("HEALTHCHECK URL");
    paths.push(health.to_owned());
    assert!(paths.len() >= 4);
    for path in paths {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("probe request");
        assert_eq!(response.status(), 200, "probe {path}");
    }
}
