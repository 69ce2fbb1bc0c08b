/**
 * The GraphQL schema (SDL). `npm run schema` prints it to docs/schema.graphql, which is checked in; a test fails when
 * the two differ.
 */
export const typeDefs = /* GraphQL */ `
  "An amount or a block number: a non-negative integer as a decimal string (exact, never a float)."
  scalar BigInt
  "An address, returned checksummed (EIP-55); accepted in any case."
  scalar Address
  "A 32-byte value as 0x and 64 hex digits: model ids, hashes."
  scalar Bytes32

  type Query {
    "What the API serves: the indexed chain and block, and whether the backfill is done."
    _meta: Meta!
    "One model, by id or by key (exactly one of them)."
    model(id: Bytes32, key: String): Model
    "One dispute, by its number."
    dispute(id: BigInt!): Dispute
    "What an account contributes to and is owed, per token."
    account(address: Address!): Account!
    "The lineage around a model, ready for drawing: ancestors and descendants up to depth hops away."
    attributionGraph(root: Bytes32!, depth: Int = 3): AttributionGraph!
    "The exact shares of revenue paid to a model (see EffectiveShare)."
    effectiveShares(model: Bytes32!): [EffectiveShare!]!
    "What paying amount (in the token's smallest unit) to a model would change, to the wei."
    simulateRevenue(model: Bytes32!, token: Address!, amount: BigInt!): RevenueSimulation!
    "Models, filtered and ordered, in pages (Relay cursor pagination; at most 100 per page)."
    models(
      first: Int = 20
      after: String
      where: ModelFilter
      orderBy: ModelOrderBy = KEY
      orderDirection: OrderDirection = ASC
    ): ModelConnection!
  }

  """
  Where revenue paid to a model ends, as exact shares: every contributor of the model and of each ancestor the
  revenue reaches (by account and role), beneficiaries of revoked models, escrow of unclaimed placeholders, and the
  share of the revenue that reaches each ancestor. A share is an exact fraction with its value in ppm next to it.
  """
  type EffectiveShare {
    "contributor, beneficiary, escrow (party is the placeholder's id) or ancestor (party is the model id)."
    kind: String!
    party: String!
    "The contributor's role; null for other kinds."
    role: Role
    numerator: BigInt!
    denominator: BigInt!
    "floor(numerator * 1,000,000 / denominator)."
    ppm: Int!
  }

  "What a payment would change once everything propagates: exact integers, as the chain would produce them."
  type RevenueSimulation {
    model: Bytes32!
    token: Address!
    amount: BigInt!
    "The protocol fee taken from the payment."
    fee: BigInt!
    "amount - fee: what the accounts, escrows and held amounts below add up to, exactly."
    net: BigInt!
    "What each account would be owed on top of what it is owed now, largest first."
    accounts: [AccountAmount!]!
    "Amounts that would wait in an unclaimed placeholder's escrow."
    escrow: [ModelAmount!]!
    "Amounts that would wait upstream of a disputed model until its dispute is resolved."
    heldUpstream: [ModelAmount!]!
  }

  type AccountAmount {
    account: Address!
    amount: BigInt!
  }

  type ModelAmount {
    model: Bytes32!
    amount: BigInt!
  }

  """
  Live updates over Server-Sent Events (send the subscription with Accept: text/event-stream). Each reports what the
  indexer commits after the subscription starts, within about 100 ms.
  """
  type Subscription {
    "Each payment into the model."
    paymentReceived(model: Bytes32!): Payment!
    "Each model or placeholder registered."
    modelRegistered: Model!
    "The account's balances, now and each time they change."
    claimableChanged(account: Address!): [AccountBalance!]!
  }

  type Meta {
    chainId: Int!
    "The newest block the store reflects; null before the first commit."
    block: IndexedBlock
    "Blocks at or below this number count as final (the indexer's --confirmations)."
    finalizedBlock: BigInt
    backfillDone: Boolean!
    "Seconds between the indexed block's timestamp and now: how far behind the chain the answers may be."
    lagSeconds: Int
  }

  type IndexedBlock {
    number: BigInt!
    hash: Bytes32!
    timestamp: BigInt!
  }

  enum ModelStatus {
    ACTIVE
    DISPUTED
    REVOKED
  }

  "How a derivative was made from a parent (the first four are Hugging Face's base_model_relation values)."
  enum Relation {
    FINETUNE
    ADAPTER
    QUANTIZED
    MERGE
    DISTILL
    OTHER
  }

  "The cost layer a contributor stands for."
  enum Role {
    PRETRAINING_COMPUTE
    DATA_CURATION
    FINETUNING
    ALIGNMENT
    EVALUATION_REDTEAM
    QUANTIZATION
    MAINTENANCE
    TOOLING
    DOCUMENTATION
    FUNDING
    OTHER
  }

  enum ModelOrderBy {
    KEY
    REGISTERED_BLOCK
    UPSTREAM_PPM
  }

  enum OrderDirection {
    ASC
    DESC
  }

  "Conditions on models; all given fields must hold, AND and OR combine nested filters."
  input ModelFilter {
    AND: [ModelFilter!]
    OR: [ModelFilter!]
    id: Bytes32
    id_in: [Bytes32!]
    key: String
    key_contains: String
    key_starts_with: String
    steward: Address
    status: ModelStatus
    status_in: [ModelStatus!]
    placeholder: Boolean
    "Models registered with this model as one of their parents."
    parent: Bytes32
    upstreamPpm_gt: Int
    upstreamPpm_lt: Int
    registeredBlock_gt: BigInt
    registeredBlock_lt: BigInt
  }

  type ModelConnection {
    edges: [ModelEdge!]!
    pageInfo: PageInfo!
    "How many models match the filter, over all pages."
    totalCount: Int!
  }

  type ModelEdge {
    cursor: String!
    node: Model!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Model {
    id: Bytes32!
    key: String!
    "The zero address for an unclaimed placeholder."
    steward: Address!
    placeholder: Boolean!
    status: ModelStatus!
    "Share of what the model receives that flows to its parents, in parts per million."
    upstreamPpm: Int!
    "The current contributor epoch."
    epoch: Int!
    terms: Terms!
    "The SPDX expression (or LicenseRef-...) the steward declared; null for a placeholder."
    license: String
    "Where the model card lives; null for a placeholder."
    metadataURI: String
    "A digest of the weight files' manifest; null for a placeholder."
    weightsDigest: Bytes32
    registeredBlock: BigInt!
    parents: [ParentLink!]!
    "The contributor set of an epoch (default: the current one); empty for a placeholder's escrow epoch."
    contributors(epoch: Int): [Contributor!]!
    "Every contributor set the model has had, newest epoch first (a placeholder's escrow epoch has none)."
    contributorHistory: [ContributorEpoch!]!
    "Disputes raised against the model, newest first."
    disputes: [Dispute!]!
    "Lifetime totals per token, for every token the model has received."
    revenue: [TokenRevenue!]!
    "Payments into this model, newest first."
    payments(first: Int = 20, after: String): PaymentConnection!
    "Models registered with this one as a parent (at most 100 per page)."
    children(
      first: Int = 20
      after: String
      orderBy: ModelOrderBy = KEY
      orderDirection: OrderDirection = ASC
    ): ModelConnection!
    "Every model this one descends from, up to maxDepth hops (at most 64), nearest first."
    ancestors(maxDepth: Int = 64): [LineageNode!]!
    "Every model that descends from this one, up to maxDepth hops (at most 64), nearest first."
    descendants(maxDepth: Int = 64): [LineageNode!]!
  }

  "A model at some distance in a lineage (the shortest path's number of hops)."
  type LineageNode {
    model: Model!
    depth: Int!
  }

  type AttributionGraph {
    nodes: [LineageNode!]!
    "Child-to-parent edges among the nodes."
    edges: [GraphEdge!]!
  }

  type GraphEdge {
    child: Bytes32!
    parent: Bytes32!
    relation: Relation!
    weightPpm: Int!
  }

  type Account {
    address: Address!
    "Every contributor entry of the account in the models' current epochs."
    contributions: [Contribution!]!
    "Per token: what the account can claim now, and what it will be owed once everything propagates."
    balances: [AccountBalance!]!
    "What the account claimed, newest first."
    claims(first: Int = 20, after: String): ClaimConnection!
  }

  type Payment {
    token: Address!
    payer: Address!
    "What the payer paid, fee included."
    amount: BigInt!
    fee: BigInt!
    block: BigInt!
    transactionHash: Bytes32!
    logIndex: Int!
  }

  type PaymentEdge {
    cursor: String!
    node: Payment!
  }

  type PaymentConnection {
    edges: [PaymentEdge!]!
    pageInfo: PageInfo!
  }

  type Claim {
    model: Model!
    token: Address!
    epoch: Int!
    amount: BigInt!
    block: BigInt!
    transactionHash: Bytes32!
    logIndex: Int!
  }

  type ClaimEdge {
    cursor: String!
    node: Claim!
  }

  type ClaimConnection {
    edges: [ClaimEdge!]!
    pageInfo: PageInfo!
  }

  type Contribution {
    model: Model!
    role: Role!
    weightPpm: Int!
    epoch: Int!
  }

  type AccountBalance {
    token: Address!
    claimable: BigInt!
    owedAfterPropagation: BigInt!
  }

  type Terms {
    derivativesAllowed: Boolean!
    "The least share of a child's revenue, in ppm, that must reach this model through the child's edge to it."
    minDerivativePpm: Int!
  }

  type ParentLink {
    parent: Model!
    relation: Relation!
    "Share of the child's upstream that goes to this parent, in ppm."
    weightPpm: Int!
  }

  type Contributor {
    account: Address!
    role: Role!
    "Share of what the model keeps, in ppm."
    weightPpm: Int!
    epoch: Int!
  }

  "A contributor set and when it took effect."
  type ContributorEpoch {
    epoch: Int!
    "The Merkle root the router holds for the epoch."
    root: Bytes32!
    block: BigInt!
    transactionHash: Bytes32!
    contributors: [Contributor!]!
  }

  enum DisputeOutcome {
    PENDING
    DISMISSED
    UPHELD
  }

  "A dispute freezes its model until the DAO resolves it; upheld, the model is revoked in favour of a beneficiary."
  type Dispute {
    id: BigInt!
    model: Model!
    disputer: Address!
    evidenceHash: Bytes32!
    "The bond the disputer posted, in wei."
    bond: BigInt!
    outcome: DisputeOutcome!
    raisedBlock: BigInt!
    raisedTransaction: Bytes32!
    "Null while pending."
    resolvedBlock: BigInt
    "Who receives the revoked model's share when upheld; null otherwise."
    beneficiary: Address
    "Who was paid the bond (the disputer if upheld, the treasury if dismissed); null until paid out."
    bondRecipient: Address
  }

  type TokenRevenue {
    token: Address!
    received: BigInt!
    kept: BigInt!
    upstream: BigInt!
    pushed: BigInt!
  }
`;
