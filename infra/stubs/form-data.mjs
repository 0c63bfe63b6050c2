// Stands in for the `form-data` package in the Lambda bundles (see `BUNDLE_ALIASES` in
// ../bundling.ts). axios imports form-data to build multipart bodies in Node; the ArgoCD
// client only ever sends JSON. Node's own FormData, a global since Node 18, which axios
// accepts as well, takes its place, and the bundles lose form-data's dependency chain
// (combined-stream, mime-types and its 130 KB mime-db).
export default globalThis.FormData;
