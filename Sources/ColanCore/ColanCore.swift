// ColanCore is the library's one import for the command line, colan pull and other callers:
// the pipeline's targets re-exported. Each stage is a target of its own so that a dependency
// against the pipeline's direction does not compile (docs/ARCHITECTURE.md, "Targets").
@_exported import ColanSupport
@_exported import ColanTime
@_exported import ColanColumns
@_exported import ColanCatalog
@_exported import ColanFormat
@_exported import ColanStore
@_exported import ColanImport
@_exported import ColanEngine
@_exported import ColanOutput
@_exported import ColanExport
@_exported import ColanGenerate
