import { readFileSync } from "node:fs";
import path from "node:path";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { REPO_ROOT } from "./child-processes.ts";

export const K8S_DIR = path.join(REPO_ROOT, "deploy/k8s");

/** A manifest as plain data, with the file it came from. */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

interface ValidatingModel {
  validate(): void;
}

/** The Kubernetes 1.27 schema models (kubernetes-models) for each kind the deployment uses. */
const MODELS: Record<string, new (data: never) => ValidatingModel> = {
  "v1/Namespace": Namespace,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
};

/** Every manifest listed in deploy/k8s/kustomization.yaml's resources, plus `extraFiles`. */
export function loadManifests(extraFiles: string[] = []): Manifest[] {
  const kustomization = parseYaml(readFileSync(path.join(K8S_DIR, "kustomization.yaml"), "utf8")) as {
    resources: string[];
  };
  return [...kustomization.resources, ...extraFiles].flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(K8S_DIR, file), "utf8")).map(
      (document) => ({ file, ...(document.toJS() as Omit<Manifest, "file">) }) as Manifest,
    ),
  );
}

/**
 * Validates a manifest against the Kubernetes JSON schema of its kind: types, enums and required fields.
 * (The upstream schemas allow unknown fields, so a misspelt optional field is not caught here.)
 */
export function validateManifest(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined)
    throw new Error(`${manifest.file}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
  const { file: _file, ...data } = manifest;
  new Model(data as never).validate();
}

/** The one manifest of `kind` named `name`; throws when absent. */
export function findManifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
}
