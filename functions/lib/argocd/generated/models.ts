// THIS FILE IS GENERATED - DO NOT EDIT. Produced by scripts/generate-argocd-types.ts from ArgoCD's swagger.json.
// Regenerate with `npx tsx scripts/generate-argocd-types.ts`.
/* eslint-disable */

/** ArgoCD API definition `applicationApplicationRollbackRequest`. */
export interface ApplicationApplicationRollbackRequest {
  appNamespace?: string;
  dryRun?: boolean;
  id?: number;
  name?: string;
  project?: string;
  prune?: boolean;
}

/**
 * ApplicationSyncRequest is a request to apply the config state to live state
 */
export interface ApplicationApplicationSyncRequest {
  appNamespace?: string;
  dryRun?: boolean;
  infos?: V1alpha1Info[];
  manifests?: string[];
  name?: string;
  project?: string;
  prune?: boolean;
  resources?: V1alpha1SyncOperationResource[];
  retryStrategy?: V1alpha1RetryStrategy;
  revision?: string;
  revisions?: string[];
  sourcePositions?: string[];
  strategy?: V1alpha1SyncStrategy;
  syncOptions?: ApplicationSyncOptions;
}

/** ArgoCD API definition `applicationApplicationSyncWindow`. */
export interface ApplicationApplicationSyncWindow {
  duration?: string;
  kind?: string;
  manualSync?: boolean;
  schedule?: string;
}

/** ArgoCD API definition `applicationApplicationSyncWindowsResponse`. */
export interface ApplicationApplicationSyncWindowsResponse {
  activeWindows?: ApplicationApplicationSyncWindow[];
  assignedWindows?: ApplicationApplicationSyncWindow[];
  canSync?: boolean;
}

/** ArgoCD API definition `applicationManagedResourcesResponse`. */
export interface ApplicationManagedResourcesResponse {
  items?: V1alpha1ResourceDiff[];
}

/** ArgoCD API definition `applicationSyncOptions`. */
export interface ApplicationSyncOptions {
  items?: string[];
}

/**
 * EnvEntry represents an entry in the application's environment
 */
export interface Applicationv1alpha1EnvEntry {
  /**
   * Name is the name of the variable, usually expressed in uppercase
   */
  name?: string;
  /**
   * Value is the value of the variable
   */
  value?: string;
}

/**
 * ResourceStatus holds the current synchronization and health status of a Kubernetes resource.
 */
export interface Applicationv1alpha1ResourceStatus {
  /**
   * Group represents the API group of the resource (e.g., "apps" for Deployments).
   */
  group?: string;
  health?: V1alpha1HealthStatus;
  /**
   * Hook is true if the resource is used as a lifecycle hook in an Argo CD application.
   */
  hook?: boolean;
  /**
   * Kind specifies the type of the resource (e.g., "Deployment", "Service").
   */
  kind?: string;
  /**
   * Name is the unique name of the resource within the namespace.
   */
  name?: string;
  /**
   * Namespace defines the Kubernetes namespace where the resource is located.
   */
  namespace?: string;
  /**
   * RequiresDeletionConfirmation is true if the resource requires explicit user confirmation before deletion.
   */
  requiresDeletionConfirmation?: boolean;
  /**
   * RequiresPruning is true if the resource needs to be pruned (deleted) as part of synchronization.
   */
  requiresPruning?: boolean;
  /**
   * Status represents the synchronization state of the resource (e.g., Synced, OutOfSync).
   */
  status?: string;
  /**
   * SyncWave determines the order in which resources are applied during a sync operation.
   * Lower values are applied first.
   */
  syncWave?: number;
  /**
   * Version indicates the API version of the resource (e.g., "v1", "v1beta1").
   */
  version?: string;
}

/** Kubernetes IntOrString: a JSON number or a JSON string on the wire. */
export type IntstrIntOrString = number | string;

/**
 * ProjectCreateRequest defines project creation parameters.
 */
export interface ProjectProjectCreateRequest {
  project?: V1alpha1AppProject;
  upsert?: boolean;
}

/** ArgoCD API definition `projectSyncWindowsResponse`. */
export interface ProjectSyncWindowsResponse {
  windows?: V1alpha1SyncWindow[];
}

/** ArgoCD API definition `protobufAny`. */
export interface ProtobufAny {
  type_url?: string;
  value?: string;
}

/** ArgoCD API definition `runtimeError`. */
export interface RuntimeError {
  code?: number;
  details?: ProtobufAny[];
  error?: string;
  message?: string;
}

/** Kubernetes RawExtension: embedded raw JSON on the wire. */
export type RuntimeRawExtension = unknown;

/** Kubernetes FieldsV1: a JSON object on the wire. */
export type V1FieldsV1 = Record<string, unknown>;

/**
 * GroupKind specifies a Group and a Kind, but does not force a version.  This is useful for identifying
 * concepts during lookup stages without having partially valid types
 *
 * +protobuf.options.(gogoproto.goproto_stringer)=false
 */
export interface V1GroupKind {
  group?: string;
  kind?: string;
}

/**
 * ListMeta describes metadata that synthetic resources must have, including lists and
 * various status objects. A resource may have only one of {ObjectMeta, ListMeta}.
 */
export interface V1ListMeta {
  /**
   * continue may be set if the user set a limit on the number of items returned, and indicates that
   * the server has more data available. The value is opaque and may be used to issue another request
   * to the endpoint that served this list to retrieve the next set of available objects. Continuing a
   * consistent list may not be possible if the server configuration has changed or more than a few
   * minutes have passed. The resourceVersion field returned when using this continue value will be
   * identical to the value in the first response, unless you have received this token from an error
   * message.
   */
  continue?: string;
  /**
   * remainingItemCount is the number of subsequent items in the list which are not included in this
   * list response. If the list request contained label or field selectors, then the number of
   * remaining items is unknown and the field will be left unset and omitted during serialization.
   * If the list is complete (either because it is not chunking or because this is the last chunk),
   * then there are no more remaining items and this field will be left unset and omitted during
   * serialization.
   * Servers older than v1.15 do not set this field.
   * The intended use of the remainingItemCount is *estimating* the size of a collection. Clients
   * should not rely on the remainingItemCount to be set or to be exact.
   * +optional
   */
  remainingItemCount?: number;
  /**
   * String that identifies the server's internal version of this object that
   * can be used by clients to determine when objects have changed.
   * Value must be treated as opaque by clients and passed unmodified back to the server.
   * Populated by the system.
   * Read-only.
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency
   * +optional
   */
  resourceVersion?: string;
  /**
   * Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.
   * +optional
   */
  selfLink?: string;
  shardInfo?: V1ShardInfo;
}

/**
 * LoadBalancerIngress represents the status of a load-balancer ingress point:
 * traffic intended for the service should be sent to an ingress point.
 */
export interface V1LoadBalancerIngress {
  /**
   * Hostname is set for load-balancer ingress points that are DNS based
   * (typically AWS load-balancers)
   * +optional
   */
  hostname?: string;
  /**
   * IP is set for load-balancer ingress points that are IP based
   * (typically GCE or OpenStack load-balancers)
   * +optional
   */
  ip?: string;
  /**
   * IPMode specifies how the load-balancer IP behaves, and may only be specified when the ip field is specified.
   * Setting this to "VIP" indicates that traffic is delivered to the node with
   * the destination set to the load-balancer's IP and port.
   * Setting this to "Proxy" indicates that traffic is delivered to the node or pod with
   * the destination set to the node's IP and node port or the pod's IP and port.
   * Service implementations may use this information to adjust traffic routing.
   * +optional
   */
  ipMode?: string;
  /**
   * Ports is a list of records of service ports
   * If used, every port defined in the service should have an entry in it
   * +listType=atomic
   * +optional
   */
  ports?: V1PortStatus[];
}

/**
 * ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource
 * that the fieldset applies to.
 */
export interface V1ManagedFieldsEntry {
  /**
   * APIVersion defines the version of this resource that this field set
   * applies to. The format is "group/version" just like the top-level
   * APIVersion field. It is necessary to track the version of a field
   * set because it cannot be automatically converted.
   */
  apiVersion?: string;
  /**
   * FieldsType is the discriminator for the different fields format and version.
   * There is currently only one possible value: "FieldsV1"
   */
  fieldsType?: string;
  fieldsV1?: V1FieldsV1;
  /**
   * Manager is an identifier of the workflow managing these fields.
   */
  manager?: string;
  /**
   * Operation is the type of operation which lead to this ManagedFieldsEntry being created.
   * The only valid values for this field are 'Apply' and 'Update'.
   */
  operation?: string;
  /**
   * Subresource is the name of the subresource used to update that object, or
   * empty string if the object was updated through the main resource. The
   * value of this field is used to distinguish between managers, even if they
   * share the same name. For example, a status update will be distinct from a
   * regular update using the same manager name.
   * Note that the APIVersion field is not related to the Subresource field and
   * it always corresponds to the version of the main resource.
   */
  subresource?: string;
  time?: V1Time;
}

/**
 * NodeSwapStatus represents swap memory information.
 */
export interface V1NodeSwapStatus {
  /**
   * Total amount of swap memory in bytes.
   * +optional
   */
  capacity?: number;
}

/**
 * NodeSystemInfo is a set of ids/uuids to uniquely identify the node.
 */
export interface V1NodeSystemInfo {
  /**
   * The Architecture reported by the node
   */
  architecture?: string;
  /**
   * Boot ID reported by the node.
   */
  bootID?: string;
  /**
   * ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).
   */
  containerRuntimeVersion?: string;
  /**
   * Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).
   */
  kernelVersion?: string;
  /**
   * Deprecated: KubeProxy Version reported by the node.
   */
  kubeProxyVersion?: string;
  /**
   * Kubelet Version reported by the node.
   */
  kubeletVersion?: string;
  /**
   * MachineID reported by the node. For unique machine identification
   * in the cluster this field is preferred. Learn more from man(5)
   * machine-id: http://man7.org/linux/man-pages/man5/machine-id.5.html
   */
  machineID?: string;
  /**
   * The Operating System reported by the node
   */
  operatingSystem?: string;
  /**
   * OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).
   */
  osImage?: string;
  swap?: V1NodeSwapStatus;
  /**
   * SystemUUID reported by the node. For unique machine identification
   * MachineID is preferred. This field is specific to Red Hat hosts
   * https://access.redhat.com/documentation/en-us/red_hat_subscription_management/1/html/rhsm/uuid
   */
  systemUUID?: string;
}

/**
 * ObjectMeta is metadata that all persisted resources must have, which includes all objects
 * users must create.
 */
export interface V1ObjectMeta {
  /**
   * Annotations is an unstructured key value map stored with a resource that may be
   * set by external tools to store and retrieve arbitrary metadata. They are not
   * queryable and should be preserved when modifying objects.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations
   * +optional
   */
  annotations?: Record<string, string>;
  creationTimestamp?: V1Time;
  /**
   * Number of seconds allowed for this object to gracefully terminate before
   * it will be removed from the system. Only set when deletionTimestamp is also set.
   * May only be shortened.
   * Read-only.
   * +optional
   */
  deletionGracePeriodSeconds?: number;
  deletionTimestamp?: V1Time;
  /**
   * Must be empty before the object is deleted from the registry. Each entry
   * is an identifier for the responsible component that will remove the entry
   * from the list. If the deletionTimestamp of the object is non-nil, entries
   * in this list can only be removed.
   * Finalizers may be processed and removed in any order.  Order is NOT enforced
   * because it introduces significant risk of stuck finalizers.
   * finalizers is a shared field, any actor with permission can reorder it.
   * If the finalizer list is processed in order, then this can lead to a situation
   * in which the component responsible for the first finalizer in the list is
   * waiting for a signal (field value, external system, or other) produced by a
   * component responsible for a finalizer later in the list, resulting in a deadlock.
   * Without enforced ordering finalizers are free to order amongst themselves and
   * are not vulnerable to ordering changes in the list.
   * +optional
   * +patchStrategy=merge
   * +listType=set
   */
  finalizers?: string[];
  /**
   * GenerateName is an optional prefix, used by the server, to generate a unique
   * name ONLY IF the Name field has not been provided.
   * If this field is used, the name returned to the client will be different
   * than the name passed. This value will also be combined with a unique suffix.
   * The provided value has the same validation rules as the Name field,
   * and may be truncated by the length of the suffix required to make the value
   * unique on the server.
   *
   * If this field is specified and the generated name exists, the server will return a 409.
   *
   * Applied only if Name is not specified.
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency
   * +optional
   */
  generateName?: string;
  /**
   * A sequence number representing a specific generation of the desired state.
   * Populated by the system. Read-only.
   * +optional
   */
  generation?: number;
  /**
   * Map of string keys and values that can be used to organize and categorize
   * (scope and select) objects. May match selectors of replication controllers
   * and services.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels
   * +optional
   */
  labels?: Record<string, string>;
  /**
   * ManagedFields maps workflow-id and version to the set of fields
   * that are managed by that workflow. This is mostly for internal
   * housekeeping, and users typically shouldn't need to set or
   * understand this field. A workflow can be the user's name, a
   * controller's name, or the name of a specific apply path like
   * "ci-cd". The set of fields is always in the version that the
   * workflow used when modifying the object.
   *
   * +optional
   * +listType=atomic
   */
  managedFields?: V1ManagedFieldsEntry[];
  /**
   * Name must be unique within a namespace. Is required when creating resources, although
   * some resources may allow a client to request the generation of an appropriate name
   * automatically. Name is primarily intended for creation idempotence and configuration
   * definition.
   * Cannot be updated.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names
   * +optional
   */
  name?: string;
  /**
   * Namespace defines the space within which each name must be unique. An empty namespace is
   * equivalent to the "default" namespace, but "default" is the canonical representation.
   * Not all objects are required to be scoped to a namespace - the value of this field for
   * those objects will be empty.
   *
   * Must be a DNS_LABEL.
   * Cannot be updated.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces
   * +optional
   */
  namespace?: string;
  /**
   * List of objects depended by this object. If ALL objects in the list have
   * been deleted, this object will be garbage collected. If this object is managed by a controller,
   * then an entry in this list will point to this controller, with the controller field set to true.
   * There cannot be more than one managing controller.
   * +optional
   * +patchMergeKey=uid
   * +patchStrategy=merge
   * +listType=map
   * +listMapKey=uid
   */
  ownerReferences?: V1OwnerReference[];
  /**
   * An opaque value that represents the internal version of this object that can
   * be used by clients to determine when objects have changed. May be used for optimistic
   * concurrency, change detection, and the watch operation on a resource or set of resources.
   * Clients must treat these values as opaque and passed unmodified back to the server.
   * They may only be valid for a particular resource or set of resources.
   *
   * Populated by the system.
   * Read-only.
   * Value must be treated as opaque by clients and .
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency
   * +optional
   */
  resourceVersion?: string;
  /**
   * Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.
   * +optional
   */
  selfLink?: string;
  /**
   * UID is the unique in time and space value for this object. It is typically generated by
   * the server on successful creation of a resource and is not allowed to change on PUT
   * operations.
   *
   * Populated by the system.
   * Read-only.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids
   * +optional
   */
  uid?: string;
}

/**
 * OwnerReference contains enough information to let you identify an owning
 * object. An owning object must be in the same namespace as the dependent, or
 * be cluster-scoped, so there is no namespace field.
 * +structType=atomic
 */
export interface V1OwnerReference {
  /**
   * API version of the referent.
   */
  apiVersion?: string;
  /**
   * If true, AND if the owner has the "foregroundDeletion" finalizer, then
   * the owner cannot be deleted from the key-value store until this
   * reference is removed.
   * See https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion
   * for how the garbage collector interacts with this field and enforces the foreground deletion.
   * Defaults to false.
   * To set this field, a user needs "delete" permission of the owner,
   * otherwise 422 (Unprocessable Entity) will be returned.
   * +optional
   */
  blockOwnerDeletion?: boolean;
  /**
   * If true, this reference points to the managing controller.
   * +optional
   */
  controller?: boolean;
  /**
   * Kind of the referent.
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
   */
  kind?: string;
  /**
   * Name of the referent.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names
   */
  name?: string;
  /**
   * UID of the referent.
   * More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids
   */
  uid?: string;
}

/**
 * PortStatus represents the error condition of a service port
 */
export interface V1PortStatus {
  /**
   * Error is to record the problem with the service port
   * The format of the error shall comply with the following rules:
   * - built-in error values shall be specified in this file and those shall use
   *   CamelCase names
   * - cloud provider specific error values must have names that comply with the
   *   format foo.example.com/CamelCase.
   * ---
   * The regex it matches is (dns1123SubdomainFmt/)?(qualifiedNameFmt)
   * +optional
   * +kubebuilder:validation:Required
   * +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$`
   * +kubebuilder:validation:MaxLength=316
   */
  error?: string;
  /**
   * Port is the port number of the service port of which status is recorded here
   */
  port?: number;
  /**
   * Protocol is the protocol of the service port of which status is recorded here
   * The supported values are: "TCP", "UDP", "SCTP"
   */
  protocol?: string;
}

/**
 * ShardInfo describes the shard selector that was applied to produce a list response.
 * Its presence on a list response indicates the list is a filtered subset.
 */
export interface V1ShardInfo {
  /**
   * selector is the shard selector string from the request, echoed back so clients
   * can verify which shard they received and merge responses from multiple shards.
   * +required
   */
  selector?: string;
}

/**
 * Time is a wrapper around time.Time which supports correct
 * marshaling to YAML and JSON.  Wrappers are provided for many
 * of the factory methods that the time package offers.
 *
 * +protobuf.options.marshal=false
 * +protobuf.as=Timestamp
 * +protobuf.options.(gogoproto.goproto_stringer)=false
 */
export type V1Time = string;

/**
 * AppHealthStatus contains information about the currently observed health state of an application
 */
export interface V1alpha1AppHealthStatus {
  lastTransitionTime?: V1Time;
  /**
   * Message is a human-readable informational message describing the health status
   */
  message?: string;
  /**
   * Status holds the status code of the application
   */
  status?: string;
}

/**
 * AppProject provides a logical grouping of applications, providing controls for:
 * * where the apps may deploy to (cluster whitelist)
 * * what may be deployed (repository whitelist, resource whitelist/blacklist)
 * * who can access these applications (roles, OIDC group claims bindings)
 * * and what they can do (RBAC policies)
 * * automation access to these roles (JWT tokens)
 * +genclient
 * +genclient:noStatus
 * +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
 * +kubebuilder:resource:path=appprojects,shortName=appproj;appprojs
 */
export interface V1alpha1AppProject {
  metadata?: V1ObjectMeta;
  spec?: V1alpha1AppProjectSpec;
  status?: V1alpha1AppProjectStatus;
}

/**
 * AppProjectList is list of AppProject resources
 * +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
 */
export interface V1alpha1AppProjectList {
  items?: V1alpha1AppProject[];
  metadata?: V1ListMeta;
}

/**
 * AppProjectSpec is the specification of an AppProject
 */
export interface V1alpha1AppProjectSpec {
  /**
   * ClusterResourceBlacklist contains list of blacklisted cluster level resources
   */
  clusterResourceBlacklist?: V1alpha1ClusterResourceRestrictionItem[];
  /**
   * ClusterResourceWhitelist contains list of whitelisted cluster level resources
   */
  clusterResourceWhitelist?: V1alpha1ClusterResourceRestrictionItem[];
  /**
   * Description contains optional project description
   * +kubebuilder:validation:MaxLength=255
   */
  description?: string;
  /**
   * DestinationServiceAccounts holds information about the service accounts to be impersonated for the application sync operation for each destination.
   */
  destinationServiceAccounts?: V1alpha1ApplicationDestinationServiceAccount[];
  /**
   * Destinations contains list of destinations available for deployment
   */
  destinations?: V1alpha1ApplicationDestination[];
  /**
   * NamespaceResourceBlacklist contains list of blacklisted namespace level resources
   */
  namespaceResourceBlacklist?: V1GroupKind[];
  /**
   * NamespaceResourceWhitelist contains list of whitelisted namespace level resources
   */
  namespaceResourceWhitelist?: V1GroupKind[];
  orphanedResources?: V1alpha1OrphanedResourcesMonitorSettings;
  /**
   * PermitOnlyProjectScopedClusters determines whether destinations can only reference clusters which are project-scoped
   */
  permitOnlyProjectScopedClusters?: boolean;
  /**
   * Roles are user defined RBAC roles associated with this project
   */
  roles?: V1alpha1ProjectRole[];
  /**
   * SignatureKeys contains a list of PGP key IDs that commits in Git must be signed with in order to be allowed for sync
   *
   * Deprecated: Use SourceIntegrity instead. SignatureKeys will be removed with the next major version.
   */
  signatureKeys?: V1alpha1SignatureKey[];
  sourceIntegrity?: V1alpha1SourceIntegrity;
  /**
   * SourceNamespaces defines the namespaces application resources are allowed to be created in
   */
  sourceNamespaces?: string[];
  /**
   * SourceRepos contains list of repository URLs which can be used for deployment
   */
  sourceRepos?: string[];
  /**
   * SyncWindows controls when syncs can be run for apps in this project
   */
  syncWindows?: V1alpha1SyncWindow[];
}

/**
 * AppProjectStatus contains status information for AppProject CRs
 */
export interface V1alpha1AppProjectStatus {
  /**
   * JWTTokensByRole contains a list of JWT tokens issued for a given role
   */
  jwtTokensByRole?: Record<string, V1alpha1JWTTokens>;
}

/**
 * Application is a definition of Application resource.
 * +genclient
 * +genclient:noStatus
 * +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
 * +kubebuilder:resource:path=applications,shortName=app;apps
 * +kubebuilder:printcolumn:name="Sync Status",type=string,JSONPath=`.status.sync.status`
 * +kubebuilder:printcolumn:name="Health Status",type=string,JSONPath=`.status.health.status`
 * +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.sync.revision`,priority=10
 * +kubebuilder:printcolumn:name="Project",type=string,JSONPath=`.spec.project`,priority=10
 */
export interface V1alpha1Application {
  metadata?: V1ObjectMeta;
  operation?: V1alpha1Operation;
  spec?: V1alpha1ApplicationSpec;
  status?: V1alpha1ApplicationStatus;
}

/**
 * ApplicationCondition contains details about an application condition, which is usually an error or warning
 */
export interface V1alpha1ApplicationCondition {
  lastTransitionTime?: V1Time;
  /**
   * Message contains human-readable message indicating details about condition
   */
  message?: string;
  /**
   * Type is an application condition type
   */
  type?: string;
}

/**
 * ApplicationDestination holds information about the application's destination
 */
export interface V1alpha1ApplicationDestination {
  /**
   * Name is an alternate way of specifying the target cluster by its symbolic name. This must be set if Server is not set.
   */
  name?: string;
  /**
   * Namespace specifies the target namespace for the application's resources.
   * The namespace will only be set for namespace-scoped resources that have not set a value for .metadata.namespace
   */
  namespace?: string;
  /**
   * Server specifies the URL of the target cluster's Kubernetes control plane API. This must be set if Name is not set.
   */
  server?: string;
}

/**
 * ApplicationDestinationServiceAccount holds information about the service account to be impersonated for the application sync operation.
 */
export interface V1alpha1ApplicationDestinationServiceAccount {
  /**
   * DefaultServiceAccount to be used for impersonation during the sync operation
   */
  defaultServiceAccount?: string;
  /**
   * Namespace specifies the target namespace for the application's resources.
   */
  namespace?: string;
  /**
   * Server specifies the URL of the target cluster's Kubernetes control plane API.
   */
  server?: string;
}

/**
 * ApplicationList is list of Application resources
 * +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
 */
export interface V1alpha1ApplicationList {
  items?: V1alpha1Application[];
  metadata?: V1ListMeta;
}

/**
 * ApplicationSource contains all required information about the source of an application
 */
export interface V1alpha1ApplicationSource {
  /**
   * Chart is a Helm chart name, and must be specified for applications sourced from a Helm repo.
   */
  chart?: string;
  directory?: V1alpha1ApplicationSourceDirectory;
  helm?: V1alpha1ApplicationSourceHelm;
  kustomize?: V1alpha1ApplicationSourceKustomize;
  /**
   * Name is used to refer to a source and is displayed in the UI. It is used in multi-source Applications.
   */
  name?: string;
  /**
   * Path is a directory path within the Git repository, and is only valid for applications sourced from Git.
   */
  path?: string;
  plugin?: V1alpha1ApplicationSourcePlugin;
  /**
   * Ref is reference to another source within sources field. This field will not be used if used with a `source` tag.
   */
  ref?: string;
  /**
   * RepoURL is the URL to the repository (Git or Helm) that contains the application manifests
   */
  repoURL?: string;
  /**
   * TagPrefix filters git tags to only those with this prefix before evaluating targetRevision as a semver constraint.
   * The prefix is stripped from tag names before comparison and re-added to the resolved version.
   * For example, with tagPrefix "component-b/" and targetRevision "1.0.*", tags like "component-b/1.0.0" and
   * "component-b/1.0.1" are candidates, and the constraint resolves to "component-b/1.0.1".
   */
  tagPrefix?: string;
  /**
   * TargetRevision defines the revision of the source to sync the application to.
   * In case of Git, this can be commit, tag, or branch. If omitted, will equal to HEAD.
   * In case of Helm, this is a semver tag for the Chart's version.
   */
  targetRevision?: string;
}

/**
 * ApplicationSourceDirectory holds options for applications of type plain YAML or Jsonnet
 */
export interface V1alpha1ApplicationSourceDirectory {
  /**
   * DisableExtensionFilter controls whether the built-in file-extension filter is skipped during
   * manifest generation. When false (the default), only files with a .yaml, .yml, .json, or
   * .jsonnet extension are considered as potential manifests. Set it to true to disable the filter
   * so that files with custom extensions (e.g. *.yaml.sealed) can be matched by the include/exclude
   * glob patterns instead.
   */
  disableExtensionFilter?: boolean;
  /**
   * Exclude contains a glob pattern to match paths against that should be explicitly excluded from being used during manifest generation
   */
  exclude?: string;
  /**
   * Include contains a glob pattern to match paths against that should be explicitly included during manifest generation
   */
  include?: string;
  jsonnet?: V1alpha1ApplicationSourceJsonnet;
  /**
   * Recurse specifies whether to scan a directory recursively for manifests
   */
  recurse?: boolean;
}

/**
 * ApplicationSourceHelm holds helm specific options
 * +protobuf.options.(gogoproto.goproto_stringer)=false
 */
export interface V1alpha1ApplicationSourceHelm {
  /**
   * APIVersions specifies the Kubernetes resource API versions to pass to Helm when templating manifests. By default,
   * Argo CD uses the API versions of the target cluster. The format is [group/]version/kind.
   */
  apiVersions?: string[];
  /**
   * FileParameters are file parameters to the helm template
   */
  fileParameters?: V1alpha1HelmFileParameter[];
  /**
   * IgnoreMissingValueFiles prevents helm template from failing when valueFiles do not exist locally by not appending them to helm template --values
   */
  ignoreMissingValueFiles?: boolean;
  /**
   * KubeVersion specifies the Kubernetes API version to pass to Helm when templating manifests. By default, Argo CD
   * uses the Kubernetes version of the target cluster.
   */
  kubeVersion?: string;
  /**
   * Namespace is an optional namespace to template with. If left empty, defaults to the app's destination namespace.
   */
  namespace?: string;
  /**
   * Parameters is a list of Helm parameters which are passed to the helm template command upon manifest generation
   */
  parameters?: V1alpha1HelmParameter[];
  /**
   * PassCredentials pass credentials to all domains (Helm's --pass-credentials)
   */
  passCredentials?: boolean;
  /**
   * ReleaseName is the Helm release name to use. If omitted it will use the application name
   */
  releaseName?: string;
  /**
   * SkipCrds skips custom resource definition installation step (Helm's --skip-crds)
   */
  skipCrds?: boolean;
  /**
   * SkipSchemaValidation skips JSON schema validation (Helm's --skip-schema-validation)
   */
  skipSchemaValidation?: boolean;
  /**
   * SkipTests skips test manifest installation step (Helm's --skip-tests).
   */
  skipTests?: boolean;
  /**
   * ValuesFiles is a list of Helm value files to use when generating a template
   */
  valueFiles?: string[];
  /**
   * Values specifies Helm values to be passed to helm template, typically defined as a block. ValuesObject takes precedence over Values, so use one or the other.
   * +patchStrategy=replace
   */
  values?: string;
  valuesObject?: RuntimeRawExtension;
  /**
   * Version is the Helm version to use for templating ("3")
   */
  version?: string;
}

/**
 * ApplicationSourceJsonnet holds options specific to applications of type Jsonnet
 */
export interface V1alpha1ApplicationSourceJsonnet {
  /**
   * ExtVars is a list of Jsonnet External Variables
   */
  extVars?: V1alpha1JsonnetVar[];
  /**
   * Additional library search dirs
   */
  libs?: string[];
  /**
   * TLAS is a list of Jsonnet Top-level Arguments
   */
  tlas?: V1alpha1JsonnetVar[];
}

/**
 * ApplicationSourceKustomize holds options specific to an Application source specific to Kustomize
 */
export interface V1alpha1ApplicationSourceKustomize {
  /**
   * APIVersions specifies the Kubernetes resource API versions to pass to Helm when templating manifests. By default,
   * Argo CD uses the API versions of the target cluster. The format is [group/]version/kind.
   */
  apiVersions?: string[];
  /**
   * CommonAnnotations is a list of additional annotations to add to rendered manifests
   */
  commonAnnotations?: Record<string, string>;
  /**
   * CommonAnnotationsEnvsubst specifies whether to apply env variables substitution for annotation values
   */
  commonAnnotationsEnvsubst?: boolean;
  /**
   * CommonLabels is a list of additional labels to add to rendered manifests
   */
  commonLabels?: Record<string, string>;
  /**
   * Components specifies a list of kustomize components to add to the kustomization before building
   */
  components?: string[];
  /**
   * ForceCommonAnnotations specifies whether to force applying common annotations to resources for Kustomize apps
   */
  forceCommonAnnotations?: boolean;
  /**
   * ForceCommonLabels specifies whether to force applying common labels to resources for Kustomize apps
   */
  forceCommonLabels?: boolean;
  /**
   * IgnoreMissingComponents prevents kustomize from failing when components do not exist locally by not appending them to kustomization file
   */
  ignoreMissingComponents?: boolean;
  /**
   * Images is a list of Kustomize image override specifications
   */
  images?: string[];
  /**
   * KubeVersion specifies the Kubernetes API version to pass to Helm when templating manifests. By default, Argo CD
   * uses the Kubernetes version of the target cluster.
   */
  kubeVersion?: string;
  /**
   * LabelIncludeTemplates specifies whether to apply common labels to resource templates or not
   */
  labelIncludeTemplates?: boolean;
  /**
   * LabelWithoutSelector specifies whether to apply common labels to resource selectors or not
   */
  labelWithoutSelector?: boolean;
  /**
   * NamePrefix overrides the namePrefix in the kustomization.yaml for Kustomize apps
   */
  namePrefix?: string;
  /**
   * NameSuffix overrides the nameSuffix in the kustomization.yaml for Kustomize apps
   */
  nameSuffix?: string;
  /**
   * Namespace sets the namespace that Kustomize adds to all resources
   */
  namespace?: string;
  /**
   * Patches is a list of Kustomize patches
   */
  patches?: V1alpha1KustomizePatch[];
  /**
   * Replicas is a list of Kustomize Replicas override specifications
   */
  replicas?: V1alpha1KustomizeReplica[];
  /**
   * Version controls which version of Kustomize to use for rendering manifests
   */
  version?: string;
}

/**
 * ApplicationSourcePlugin holds options specific to config management plugins
 */
export interface V1alpha1ApplicationSourcePlugin {
  env?: Applicationv1alpha1EnvEntry[];
  name?: string;
  parameters?: V1alpha1ApplicationSourcePluginParameter[];
}

/** ArgoCD API definition `v1alpha1ApplicationSourcePluginParameter`. */
export interface V1alpha1ApplicationSourcePluginParameter {
  /**
   * Array is the value of an array type parameter.
   */
  array?: string[];
  /**
   * Map is the value of a map type parameter.
   */
  map?: Record<string, string>;
  /**
   * Name is the name identifying a parameter.
   */
  name?: string;
  /**
   * String_ is the value of a string type parameter.
   */
  string?: string;
}

/**
 * ApplicationSpec represents desired application state. Contains link to repository with application definition and additional parameters link definition revision.
 */
export interface V1alpha1ApplicationSpec {
  destination?: V1alpha1ApplicationDestination;
  /**
   * IgnoreDifferences is a list of resources and their fields which should be ignored during comparison
   */
  ignoreDifferences?: V1alpha1ResourceIgnoreDifferences[];
  /**
   * Info contains a list of information (URLs, email addresses, and plain text) that relates to the application
   */
  info?: V1alpha1Info[];
  /**
   * Project is a reference to the project this application belongs to.
   * The empty string means that application belongs to the 'default' project.
   */
  project?: string;
  /**
   * RevisionHistoryLimit limits the number of items kept in the application's revision history, which is used for informational purposes as well as for rollbacks to previous versions.
   * This should only be changed in exceptional circumstances.
   * Setting to zero will store no history. This will reduce storage used.
   * Increasing will increase the space used to store the history, so we do not recommend increasing it.
   * Default is 10.
   */
  revisionHistoryLimit?: number;
  source?: V1alpha1ApplicationSource;
  sourceHydrator?: V1alpha1SourceHydrator;
  /**
   * Sources is a reference to the location of the application's manifests or chart
   */
  sources?: V1alpha1ApplicationSource[];
  syncPolicy?: V1alpha1SyncPolicy;
}

/**
 * ApplicationStatus contains status information for the application
 */
export interface V1alpha1ApplicationStatus {
  /**
   * Conditions is a list of currently observed application conditions
   */
  conditions?: V1alpha1ApplicationCondition[];
  /**
   * ControllerNamespace indicates the namespace in which the application controller is located
   */
  controllerNamespace?: string;
  health?: V1alpha1AppHealthStatus;
  /**
   * History contains information about the application's sync history
   */
  history?: V1alpha1RevisionHistory[];
  observedAt?: V1Time;
  operationState?: V1alpha1OperationState;
  reconciledAt?: V1Time;
  /**
   * ResourceHealthSource indicates where the resource health status is stored: inline if not set or appTree
   */
  resourceHealthSource?: string;
  /**
   * Resources is a list of Kubernetes resources managed by this application
   */
  resources?: Applicationv1alpha1ResourceStatus[];
  sourceHydrator?: V1alpha1SourceHydratorStatus;
  /**
   * SourceType specifies the type of this application
   */
  sourceType?: string;
  /**
   * SourceTypes specifies the type of the sources included in the application
   */
  sourceTypes?: string[];
  summary?: V1alpha1ApplicationSummary;
  sync?: V1alpha1SyncStatus;
}

/**
 * ApplicationSummary contains information about URLs and container images used by an application
 */
export interface V1alpha1ApplicationSummary {
  /**
   * ExternalURLs holds all external URLs of application child resources.
   */
  externalURLs?: string[];
  /**
   * Images holds all images of application child resources.
   */
  images?: string[];
  /**
   * IsAppOfApps holds true if the application has any application for child resource.
   */
  isAppOfApps?: boolean;
}

/**
 * ApplicationTree represents the hierarchical structure of resources associated with an Argo CD application.
 */
export interface V1alpha1ApplicationTree {
  /**
   * Hosts provides a list of Kubernetes nodes that are running pods related to the application.
   */
  hosts?: V1alpha1HostInfo[];
  /**
   * Nodes contains a list of resources that are either directly managed by the application
   * or are children of directly managed resources.
   */
  nodes?: V1alpha1ResourceNode[];
  /**
   * OrphanedNodes contains resources that exist in the same namespace as the application
   * but are not managed by it. This list is populated only if orphaned resource tracking
   * is enabled in the application's project settings.
   */
  orphanedNodes?: V1alpha1ResourceNode[];
  /**
   * ShardsCount represents the total number of shards the application tree is split into.
   * This is used to distribute resource processing across multiple shards.
   */
  shardsCount?: number;
}

/**
 * Backoff is the backoff strategy to use on subsequent retries for failing syncs
 */
export interface V1alpha1Backoff {
  /**
   * Duration is the amount to back off. Default unit is seconds, but could also be a duration (e.g. "2m", "1h")
   */
  duration?: string;
  /**
   * Factor is a factor to multiply the base duration after each failed retry
   */
  factor?: number;
  /**
   * MaxDuration is the maximum amount of time allowed for the backoff strategy
   */
  maxDuration?: string;
}

/**
 * ClusterResourceRestrictionItem is a cluster resource that is restricted by the project's whitelist or blacklist
 */
export interface V1alpha1ClusterResourceRestrictionItem {
  group?: string;
  kind?: string;
  /**
   * Name is the name of the restricted resource. Glob patterns using Go's filepath.Match syntax are supported.
   * Unlike the group and kind fields, if no name is specified, all resources of the specified group/kind are matched.
   */
  name?: string;
}

/**
 * ComparedTo contains application source and target which was used for resources comparison
 */
export interface V1alpha1ComparedTo {
  destination?: V1alpha1ApplicationDestination;
  /**
   * IgnoreDifferences is a reference to the application's ignored differences used for comparison
   */
  ignoreDifferences?: V1alpha1ResourceIgnoreDifferences[];
  source?: V1alpha1ApplicationSource;
  /**
   * Sources is a reference to the application's multiple sources used for comparison
   */
  sources?: V1alpha1ApplicationSource[];
}

/**
 * DrySource specifies a location for dry "don't repeat yourself" manifest source information.
 */
export interface V1alpha1DrySource {
  directory?: V1alpha1ApplicationSourceDirectory;
  helm?: V1alpha1ApplicationSourceHelm;
  kustomize?: V1alpha1ApplicationSourceKustomize;
  /**
   * Path is a directory path within the Git repository where the manifests are located
   */
  path?: string;
  plugin?: V1alpha1ApplicationSourcePlugin;
  /**
   * RepoURL is the URL to the git repository that contains the application manifests
   */
  repoURL?: string;
  /**
   * TargetRevision defines the revision of the source to hydrate
   */
  targetRevision?: string;
}

/**
 * HealthStatus contains information about the currently observed health state of a resource
 */
export interface V1alpha1HealthStatus {
  lastTransitionTime?: V1Time;
  /**
   * Message is a human-readable informational message describing the health status
   */
  message?: string;
  /**
   * Status holds the status code of the resource
   */
  status?: string;
}

/**
 * HelmFileParameter is a file parameter that's passed to helm template during manifest generation
 */
export interface V1alpha1HelmFileParameter {
  /**
   * Name is the name of the Helm parameter
   */
  name?: string;
  /**
   * Path is the path to the file containing the values for the Helm parameter
   */
  path?: string;
}

/**
 * HelmParameter is a parameter that's passed to helm template during manifest generation
 */
export interface V1alpha1HelmParameter {
  /**
   * ForceString determines whether to tell Helm to interpret booleans and numbers as strings
   */
  forceString?: boolean;
  /**
   * Name is the name of the Helm parameter
   */
  name?: string;
  /**
   * Value is the value for the Helm parameter
   */
  value?: string;
}

/**
 * HostInfo holds metadata and resource usage metrics for a specific host in the cluster.
 */
export interface V1alpha1HostInfo {
  /**
   * Labels holds the labels attached to the host.
   */
  labels?: Record<string, string>;
  /**
   * Name is the hostname or node name in the Kubernetes cluster.
   */
  name?: string;
  /**
   * ResourcesInfo provides a list of resource usage details for different resource types on this host.
   */
  resourcesInfo?: V1alpha1HostResourceInfo[];
  systemInfo?: V1NodeSystemInfo;
}

/**
 * HostResourceInfo represents resource usage details for a specific resource type on a host.
 */
export interface V1alpha1HostResourceInfo {
  /**
   * Capacity represents the total available capacity of this resource on the host.
   */
  capacity?: number;
  /**
   * RequestedByApp indicates the total amount of this resource requested by the application running on the host.
   */
  requestedByApp?: number;
  /**
   * RequestedByNeighbors indicates the total amount of this resource requested by other workloads on the same host.
   */
  requestedByNeighbors?: number;
  /**
   * ResourceName specifies the type of resource (e.g., CPU, memory, storage).
   */
  resourceName?: string;
}

/**
 * HydrateOperation contains information about the most recent hydrate operation
 */
export interface V1alpha1HydrateOperation {
  /**
   * DrySHA holds the resolved revision (sha) of the dry source as of the most recent reconciliation
   */
  drySHA?: string;
  finishedAt?: V1Time;
  /**
   * HydratedSHA holds the resolved revision (sha) of the hydrated source as of the most recent reconciliation
   */
  hydratedSHA?: string;
  /**
   * Message contains a message describing the current status of the hydrate operation
   */
  message?: string;
  /**
   * Phase indicates the status of the hydrate operation
   */
  phase?: string;
  sourceHydrator?: V1alpha1SourceHydrator;
  startedAt?: V1Time;
}

/**
 * HydrateTo specifies a branch to which hydrated manifests should be pushed as a "staging area" before being moved to
 * the SyncSource. The repository and path are inherited from SyncSource.
 */
export interface V1alpha1HydrateTo {
  /**
   * TargetBranch is the branch to which hydrated manifests should be committed
   */
  targetBranch?: string;
}

/** ArgoCD API definition `v1alpha1Info`. */
export interface V1alpha1Info {
  name?: string;
  value?: string;
}

/**
 * InfoItem contains arbitrary, human readable information about an application
 */
export interface V1alpha1InfoItem {
  /**
   * Name is a human readable title for this piece of information.
   */
  name?: string;
  /**
   * Value is human readable content.
   */
  value?: string;
}

/**
 * JWTToken holds the issuedAt and expiresAt values of a token
 */
export interface V1alpha1JWTToken {
  exp?: number;
  iat?: number;
  id?: string;
}

/**
 * JWTTokens represents a list of JWT tokens
 */
export interface V1alpha1JWTTokens {
  items?: V1alpha1JWTToken[];
}

/**
 * JsonnetVar represents a variable to be passed to jsonnet during manifest generation
 */
export interface V1alpha1JsonnetVar {
  code?: boolean;
  name?: string;
  value?: string;
}

/** ArgoCD API definition `v1alpha1KustomizeGvk`. */
export interface V1alpha1KustomizeGvk {
  group?: string;
  kind?: string;
  version?: string;
}

/** ArgoCD API definition `v1alpha1KustomizePatch`. */
export interface V1alpha1KustomizePatch {
  options?: Record<string, boolean>;
  patch?: string;
  path?: string;
  target?: V1alpha1KustomizeSelector;
}

/** ArgoCD API definition `v1alpha1KustomizeReplica`. */
export interface V1alpha1KustomizeReplica {
  count?: IntstrIntOrString;
  /**
   * Name of Deployment or StatefulSet
   */
  name?: string;
}

/** ArgoCD API definition `v1alpha1KustomizeResId`. */
export interface V1alpha1KustomizeResId {
  gvk?: V1alpha1KustomizeGvk;
  name?: string;
  namespace?: string;
}

/** ArgoCD API definition `v1alpha1KustomizeSelector`. */
export interface V1alpha1KustomizeSelector {
  annotationSelector?: string;
  labelSelector?: string;
  resId?: V1alpha1KustomizeResId;
}

/** ArgoCD API definition `v1alpha1ManagedNamespaceMetadata`. */
export interface V1alpha1ManagedNamespaceMetadata {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

/**
 * Operation contains information about a requested or running operation
 */
export interface V1alpha1Operation {
  /**
   * Info is a list of informational items for this operation
   */
  info?: V1alpha1Info[];
  initiatedBy?: V1alpha1OperationInitiator;
  retry?: V1alpha1RetryStrategy;
  sync?: V1alpha1SyncOperation;
}

/**
 * OperationInitiator contains information about the initiator of an operation
 */
export interface V1alpha1OperationInitiator {
  /**
   * Automated is set to true if operation was initiated automatically by the application controller.
   */
  automated?: boolean;
  /**
   * Username contains the name of a user who started operation
   */
  username?: string;
}

/**
 * OperationState contains information about state of a running operation
 */
export interface V1alpha1OperationState {
  finishedAt?: V1Time;
  /**
   * Message holds any pertinent messages when attempting to perform operation (typically errors).
   */
  message?: string;
  operation?: V1alpha1Operation;
  /**
   * Phase is the current phase of the operation
   */
  phase?: string;
  /**
   * RetryCount contains time of operation retries
   */
  retryCount?: number;
  startedAt?: V1Time;
  syncResult?: V1alpha1SyncOperationResult;
}

/**
 * OrphanedResourceKey is a reference to a resource to be ignored from
 */
export interface V1alpha1OrphanedResourceKey {
  group?: string;
  kind?: string;
  name?: string;
}

/**
 * OrphanedResourcesMonitorSettings holds settings of orphaned resources monitoring
 */
export interface V1alpha1OrphanedResourcesMonitorSettings {
  /**
   * Ignore contains a list of resources that are to be excluded from orphaned resources monitoring
   */
  ignore?: V1alpha1OrphanedResourceKey[];
  /**
   * Warn indicates if warning condition should be created for apps which have orphaned resources
   */
  warn?: boolean;
}

/**
 * ProjectRole represents a role that has access to a project
 */
export interface V1alpha1ProjectRole {
  /**
   * Description is a description of the role
   */
  description?: string;
  /**
   * Groups are a list of OIDC group claims bound to this role
   */
  groups?: string[];
  /**
   * JWTTokens are a list of generated JWT tokens bound to this role
   */
  jwtTokens?: V1alpha1JWTToken[];
  /**
   * Name is a name for this role
   */
  name?: string;
  /**
   * Policies Stores a list of casbin formatted strings that define access policies for the role in the project
   */
  policies?: string[];
}

/**
 * ResourceDiff holds the diff between a live and target resource object in Argo CD.
 * It is used to compare the desired state (from Git/Helm) with the actual state in the cluster.
 */
export interface V1alpha1ResourceDiff {
  /**
   * Diff contains the JSON patch representing the difference between the live and target resource.
   *
   * Deprecated: Use NormalizedLiveState and PredictedLiveState instead to compute differences.
   */
  diff?: string;
  /**
   * Group represents the API group of the resource (e.g., "apps" for Deployments).
   */
  group?: string;
  /**
   * Hook indicates whether this resource is a hook resource (e.g., pre-sync or post-sync hooks).
   */
  hook?: boolean;
  /**
   * Kind represents the Kubernetes resource kind (e.g., "Deployment", "Service").
   */
  kind?: string;
  /**
   * LiveState contains the JSON-serialized resource manifest of the resource currently running in the cluster.
   */
  liveState?: string;
  /**
   * Modified indicates whether the live resource has changes compared to the target resource.
   */
  modified?: boolean;
  /**
   * Name is the name of the resource.
   */
  name?: string;
  /**
   * Namespace specifies the namespace where the resource exists.
   */
  namespace?: string;
  /**
   * NormalizedLiveState contains the JSON-serialized live resource state after applying normalizations.
   * Normalizations may include ignoring irrelevant fields like timestamps or defaults applied by Kubernetes.
   */
  normalizedLiveState?: string;
  /**
   * PredictedLiveState contains the JSON-serialized resource state that Argo CD predicts based on the
   * combination of the normalized live state and the desired target state.
   */
  predictedLiveState?: string;
  /**
   * ResourceVersion is the Kubernetes resource version, which helps in tracking changes.
   */
  resourceVersion?: string;
  /**
   * TargetState contains the JSON-serialized resource manifest as defined in the Git/Helm repository.
   */
  targetState?: string;
}

/**
 * ResourceIgnoreDifferences contains resource filter and list of json paths which should be ignored during comparison with live state.
 */
export interface V1alpha1ResourceIgnoreDifferences {
  group?: string;
  jqPathExpressions?: string[];
  jsonPointers?: string[];
  kind?: string;
  /**
   * ManagedFieldsManagers is a list of trusted managers. Fields mutated by those managers will take precedence over the
   * desired state defined in the SCM and won't be displayed in diffs
   */
  managedFieldsManagers?: string[];
  name?: string;
  namespace?: string;
}

/**
 * ResourceNetworkingInfo holds networking-related information for a resource.
 */
export interface V1alpha1ResourceNetworkingInfo {
  /**
   * ExternalURLs holds a list of URLs that should be accessible externally.
   * This field is typically populated for Ingress resources based on their hostname rules.
   */
  externalURLs?: string[];
  /**
   * Ingress provides information about external access points (e.g., load balancer ingress) for this resource.
   */
  ingress?: V1LoadBalancerIngress[];
  /**
   * Labels holds the labels associated with this networking resource.
   */
  labels?: Record<string, string>;
  /**
   * TargetLabels represents labels associated with the target resources that this resource communicates with.
   */
  targetLabels?: Record<string, string>;
  /**
   * TargetRefs contains references to other resources that this resource interacts with, such as Services or Pods.
   */
  targetRefs?: V1alpha1ResourceRef[];
}

/**
 * ResourceNode contains information about a live Kubernetes resource and its relationships with other resources.
 */
export interface V1alpha1ResourceNode {
  createdAt?: V1Time;
  health?: V1alpha1HealthStatus;
  /**
   * Images lists container images associated with the resource.
   * This is primarily useful for pods and other workload resources.
   */
  images?: string[];
  /**
   * Info provides additional metadata or annotations about the resource.
   */
  info?: V1alpha1InfoItem[];
  networkingInfo?: V1alpha1ResourceNetworkingInfo;
  /**
   * ParentRefs lists the parent resources that reference this resource.
   * This helps in understanding ownership and hierarchical relationships.
   */
  parentRefs?: V1alpha1ResourceRef[];
  /**
   * ResourceVersion indicates the version of the resource, used to track changes.
   */
  resourceVersion?: string;
}

/**
 * ResourceRef includes fields which uniquely identify a resource
 */
export interface V1alpha1ResourceRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  version?: string;
}

/**
 * ResourceResult holds the operation result details of a specific resource
 */
export interface V1alpha1ResourceResult {
  /**
   * Group specifies the API group of the resource
   */
  group?: string;
  /**
   * HookPhase contains the state of any operation associated with this resource OR hook
   * This can also contain values for non-hook resources.
   */
  hookPhase?: string;
  /**
   * HookType specifies the type of the hook. Empty for non-hook resources
   */
  hookType?: string;
  /**
   * Images contains the images related to the ResourceResult
   */
  images?: string[];
  /**
   * Kind specifies the API kind of the resource
   */
  kind?: string;
  /**
   * Message contains an informational or error message for the last sync OR operation
   */
  message?: string;
  /**
   * Name specifies the name of the resource
   */
  name?: string;
  /**
   * Namespace specifies the target namespace of the resource
   */
  namespace?: string;
  /**
   * Status holds the final result of the sync. Will be empty if the resources is yet to be applied/pruned and is always zero-value for hooks
   */
  status?: string;
  /**
   * SyncPhase indicates the particular phase of the sync that this result was acquired in
   */
  syncPhase?: string;
  /**
   * Version specifies the API version of the resource
   */
  version?: string;
}

/**
 * RetryStrategy contains information about the strategy to apply when a sync failed
 */
export interface V1alpha1RetryStrategy {
  backoff?: V1alpha1Backoff;
  /**
   * Limit is the maximum number of attempts for retrying a failed sync. If set to 0, no retries will be performed.
   */
  limit?: number;
  /**
   * Refresh indicates if the latest revision should be used on retry instead of the initial one (default: false)
   */
  refresh?: boolean;
}

/**
 * RevisionHistory contains history information about a previous sync
 */
export interface V1alpha1RevisionHistory {
  deployStartedAt?: V1Time;
  deployedAt?: V1Time;
  /**
   * ID is an auto incrementing identifier of the RevisionHistory
   */
  id?: number;
  initiatedBy?: V1alpha1OperationInitiator;
  /**
   * Revision holds the revision the sync was performed against
   */
  revision?: string;
  /**
   * Revisions holds the revision of each source in sources field the sync was performed against
   */
  revisions?: string[];
  source?: V1alpha1ApplicationSource;
  /**
   * Sources is a reference to the application sources used for the sync operation
   */
  sources?: V1alpha1ApplicationSource[];
}

/**
 * SignatureKey is the specification of a key required to verify commit signatures with
 *
 * Deprecated: Use SourceIntegrity instead. SignatureKeys will be removed with the next major version.
 */
export interface V1alpha1SignatureKey {
  /**
   * The ID of the key in hexadecimal notation
   */
  keyID?: string;
}

/**
 * SourceHydrator specifies a dry "don't repeat yourself" source for manifests, a sync source from which to sync
 * hydrated manifests, and an optional hydrateTo location to act as a "staging" aread for hydrated manifests.
 */
export interface V1alpha1SourceHydrator {
  drySource?: V1alpha1DrySource;
  hydrateTo?: V1alpha1HydrateTo;
  syncSource?: V1alpha1SyncSource;
}

/**
 * SourceHydratorStatus contains information about the current state of source hydration
 */
export interface V1alpha1SourceHydratorStatus {
  currentOperation?: V1alpha1HydrateOperation;
  /**
   * LastComparedDryRevision holds the resolved revision from the most recent dry source comparison.
   * This is updated on every evaluation, even when hydration is skipped due to no changes.
   */
  lastComparedDryRevision?: string;
  lastSuccessfulOperation?: V1alpha1SuccessfulHydrateOperation;
}

/** ArgoCD API definition `v1alpha1SourceIntegrity`. */
export interface V1alpha1SourceIntegrity {
  git?: V1alpha1SourceIntegrityGit;
}

/** ArgoCD API definition `v1alpha1SourceIntegrityGit`. */
export interface V1alpha1SourceIntegrityGit {
  policies?: V1alpha1SourceIntegrityGitPolicy[];
}

/** ArgoCD API definition `v1alpha1SourceIntegrityGitPolicy`. */
export interface V1alpha1SourceIntegrityGitPolicy {
  gpg?: V1alpha1SourceIntegrityGitPolicyGPG;
  /**
   * List of repository criteria restricting repositories the policy will apply to
   */
  repos?: V1alpha1SourceIntegrityGitPolicyRepo[];
}

/**
 * SourceIntegrityGitPolicyGPG verifies that the commit(s) are both correctly signed by a key in the repo-server keyring,
 * and that they are signed by one of the key listed in Keys.
 *
 * This policy can be deactivated through the ARGOCD_GPG_ENABLED environment variable.
 *
 * Note the listing of problematic commits/signatures reported when "strict" mode validation fails may not be complete.
 * This means that a user that has addressed all problems reported by source integrity check can run into
 * further problematic signatures on a subsequent attempt. That happens namely when history contains seal commits signed
 * with gpg keys that are in the keyring, but not listed in Keys.
 */
export interface V1alpha1SourceIntegrityGitPolicyGPG {
  /**
   * List of key IDs to trust. The keys need to be in the repository server keyring.
   */
  keys?: string[];
  mode?: string;
}

/** ArgoCD API definition `v1alpha1SourceIntegrityGitPolicyRepo`. */
export interface V1alpha1SourceIntegrityGitPolicyRepo {
  /**
   * URL specifier, glob.
   */
  url?: string;
}

/**
 * SuccessfulHydrateOperation contains information about the most recent successful hydrate operation
 */
export interface V1alpha1SuccessfulHydrateOperation {
  /**
   * DrySHA holds the resolved revision (sha) of the dry source as of the most recent reconciliation
   */
  drySHA?: string;
  /**
   * HydratedSHA holds the resolved revision (sha) of the hydrated source as of the most recent reconciliation
   */
  hydratedSHA?: string;
  sourceHydrator?: V1alpha1SourceHydrator;
}

/**
 * SyncOperation contains details about a sync operation.
 */
export interface V1alpha1SyncOperation {
  /**
   * SelfHealAttemptsCount contains the number of auto-heal attempts
   */
  autoHealAttemptsCount?: number;
  /**
   * DryRun specifies to perform a `kubectl apply --dry-run` without actually performing the sync
   */
  dryRun?: boolean;
  /**
   * Manifests is an optional field that overrides sync source with a local directory for development
   */
  manifests?: string[];
  /**
   * Prune specifies to delete resources from the cluster that are no longer tracked in git
   */
  prune?: boolean;
  /**
   * Resources describes which resources shall be part of the sync
   */
  resources?: V1alpha1SyncOperationResource[];
  /**
   * Revision is the revision (Git) or chart version (Helm) which to sync the application to
   * If omitted, will use the revision specified in app spec.
   */
  revision?: string;
  /**
   * Revisions is the list of revision (Git) or chart version (Helm) which to sync each source in sources field for the application to
   * If omitted, will use the revision specified in app spec.
   */
  revisions?: string[];
  source?: V1alpha1ApplicationSource;
  /**
   * Sources overrides the source definition set in the application.
   * This is typically set in a Rollback operation and is nil during a Sync operation
   */
  sources?: V1alpha1ApplicationSource[];
  /**
   * SyncOptions provide per-sync sync-options, e.g. Validate=false
   */
  syncOptions?: string[];
  syncStrategy?: V1alpha1SyncStrategy;
}

/**
 * SyncOperationResource contains resources to sync.
 */
export interface V1alpha1SyncOperationResource {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/**
 * SyncOperationResult represent result of sync operation
 */
export interface V1alpha1SyncOperationResult {
  managedNamespaceMetadata?: V1alpha1ManagedNamespaceMetadata;
  /**
   * Resources contains a list of sync result items for each individual resource in a sync operation
   */
  resources?: V1alpha1ResourceResult[];
  /**
   * Revision holds the revision this sync operation was performed to
   */
  revision?: string;
  /**
   * Revisions holds the revision this sync operation was performed for respective indexed source in sources field
   */
  revisions?: string[];
  source?: V1alpha1ApplicationSource;
  /**
   * Source records the application source information of the sync, used for comparing auto-sync
   */
  sources?: V1alpha1ApplicationSource[];
}

/**
 * SyncPolicy controls when a sync will be performed in response to updates in git
 */
export interface V1alpha1SyncPolicy {
  automated?: V1alpha1SyncPolicyAutomated;
  managedNamespaceMetadata?: V1alpha1ManagedNamespaceMetadata;
  retry?: V1alpha1RetryStrategy;
  /**
   * Options allow you to specify whole app sync-options
   */
  syncOptions?: string[];
}

/**
 * SyncPolicyAutomated controls the behavior of an automated sync
 */
export interface V1alpha1SyncPolicyAutomated {
  /**
   * AllowEmpty allows apps have zero live resources (default: false)
   */
  allowEmpty?: boolean;
  /**
   * Enable allows apps to explicitly control automated sync
   */
  enabled?: boolean;
  /**
   * Prune specifies whether to delete resources from the cluster that are not found in the sources anymore as part of automated sync (default: false)
   */
  prune?: boolean;
  /**
   * SelfHeal specifies whether to revert resources back to their desired state upon modification in the cluster (default: false)
   */
  selfHeal?: boolean;
}

/**
 * SyncSource specifies a location from which hydrated manifests may be synced. If RepoURL is not set, it is assumed
 * to be the same as the associated DrySource config in the SourceHydrator.
 */
export interface V1alpha1SyncSource {
  /**
   * Path is a directory path within the git repository where hydrated manifests should be committed to and synced
   * from. The Path should never point to the root of the repo. If hydrateTo is set, this is just the path from which
   * hydrated manifests will be synced.
   *
   * +kubebuilder:validation:Required
   * +kubebuilder:validation:MinLength=1
   * +kubebuilder:validation:Pattern=`^.{2,}|[^./]$`
   */
  path?: string;
  /**
   * RepoURL is the URL to the git repository that contains the hydrated manifests. If not set, defaults to
   * the DrySource.RepoURL.
   */
  repoURL?: string;
  /**
   * TargetBranch is the branch from which hydrated manifests will be synced.
   * If HydrateTo is not set, this is also the branch to which hydrated manifests are committed.
   */
  targetBranch?: string;
}

/**
 * SyncStatus contains information about the currently observed live and desired states of an application
 */
export interface V1alpha1SyncStatus {
  comparedTo?: V1alpha1ComparedTo;
  /**
   * Revision contains information about the revision the comparison has been performed to
   */
  revision?: string;
  /**
   * Revisions contains information about the revisions of multiple sources the comparison has been performed to
   */
  revisions?: string[];
  /**
   * Status is the sync state of the comparison
   */
  status?: string;
}

/**
 * SyncStrategy controls the manner in which a sync is performed
 */
export interface V1alpha1SyncStrategy {
  apply?: V1alpha1SyncStrategyApply;
  hook?: V1alpha1SyncStrategyHook;
}

/**
 * SyncStrategyApply uses `kubectl apply` to perform the apply
 */
export interface V1alpha1SyncStrategyApply {
  /**
   * Force indicates whether or not to supply the --force flag to `kubectl apply`.
   * The --force flag deletes and re-create the resource, when PATCH encounters conflict and has
   * retried for 5 times.
   */
  force?: boolean;
}

/**
 * SyncStrategyHook will perform a sync using hooks annotations.
 * If no hook annotation is specified falls back to `kubectl apply`.
 */
export interface V1alpha1SyncStrategyHook {
  syncStrategyApply?: V1alpha1SyncStrategyApply;
}

/**
 * SyncWindow contains the kind, time, duration and attributes that are used to assign the syncWindows to apps
 */
export interface V1alpha1SyncWindow {
  /**
   * UseAndOperator use AND operator for matching applications, namespaces and clusters instead of the default OR operator
   */
  andOperator?: boolean;
  /**
   * Applications contains a list of applications that the window will apply to
   */
  applications?: string[];
  /**
   * Clusters contains a list of clusters that the window will apply to
   */
  clusters?: string[];
  /**
   * Description of the sync that will be applied to the schedule, can be used to add any information such as a ticket number for example
   */
  description?: string;
  /**
   * Duration is the amount of time the sync window will be open
   */
  duration?: string;
  /**
   * Kind defines if the window allows or blocks syncs
   */
  kind?: string;
  /**
   * ManualSync enables manual syncs when they would otherwise be blocked
   */
  manualSync?: boolean;
  /**
   * Namespaces contains a list of namespaces that the window will apply to
   */
  namespaces?: string[];
  /**
   * Schedule is the time the window will begin, specified in cron format
   */
  schedule?: string;
  /**
   * SyncOverrun allows ongoing syncs to continue in two scenarios:
   * For deny windows: allows syncs that started before the deny window became active to continue running
   * For allow windows: allows syncs that started during the allow window to continue after the window ends
   */
  syncOverrun?: boolean;
  /**
   * TimeZone of the sync that will be applied to the schedule
   */
  timeZone?: string;
}

/**
 * VersionMessage represents version of the Argo CD API server
 */
export interface VersionVersionMessage {
  BuildDate?: string;
  Compiler?: string;
  ExtraBuildInfo?: string;
  GitCommit?: string;
  GitTag?: string;
  GitTreeState?: string;
  GoVersion?: string;
  HelmVersion?: string;
  JsonnetVersion?: string;
  KubectlVersion?: string;
  KustomizeVersion?: string;
  Platform?: string;
  Version?: string;
}
