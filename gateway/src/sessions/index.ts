/** Class sessions for teachers: roster, live view, capture and export (never uplink). */
export { createSessionManager, type SessionManager, type SessionManagerOptions, type SessionManagerDeps, type CapturedReading, type Session } from './session-manager.js';
export { buildSessionExport, chineseColumns, exportFieldNames, sessionExportCsv, ENGLISH_COLUMNS, type ExportColumns, type FieldLabelSource, type SessionExport, type StudentExport, type TemplateOf } from './export.js';
export * from './schema.js';
export { SessionRuleError, type RefusedLine } from './errors.js';
export { bindRoster, identityFields, type RosterLookup } from './roster.js';
export { parseRosterText, rosterProblemText, rosterTextSchema, ROSTER_SEPARATORS, type RosterTextLine, type RosterTextProblem } from './roster-text.js';
export { previewRosterText, rosterPreviewSchema, type RosterPreview, type PreviewStatus } from './roster-preview.js';
export { createRosterStore, savedRosterSchema, type RosterStore, type SavedRoster } from './roster-store.js';
export { readRosterFile, RosterFileError, MAX_ROSTER_FILE_BYTES, MAX_ROSTER_FILE_ROWS, ROSTER_FILE_TYPES, XLSX_TYPE, type RosterFile } from './roster-file.js';
