; What the workspace index reads of a module: each call's function
; expression, and the import statements.
(call function: (_) @function)
(import_statement) @import
(import_from_statement) @import
