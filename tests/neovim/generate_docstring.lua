-- Drives docwright the way a Neovim user does: attach the server to a buffer,
-- ask for code actions at a line, pick "Generate docstring", apply it, write.
-- Environment: DOCWRIGHT_BIN, TARGET_FILE, TARGET_LINE (0-based), RESULT_FILE.
local function fail(message)
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write("error: " .. message)
  out:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("TARGET_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "docwright",
    cmd = { os.getenv("DOCWRIGHT_BIN"), "lsp", "--stdio" },
    root_dir = vim.fn.fnamemodify(os.getenv("TARGET_FILE"), ":h"),
  })
  if not client_id then return fail("the client did not start") end
  vim.lsp.buf_attach_client(bufnr, client_id)
  local ready = vim.wait(10000, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, 20)
  if not ready then return fail("the server did not initialize") end
  local client = vim.lsp.get_client_by_id(client_id)

  local line = tonumber(os.getenv("TARGET_LINE"))
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = line, character = 4 }, ["end"] = { line = line, character = 4 } },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 10000) or {}
  local chosen
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      if chosen == nil and action.title:find("^Generate docstring") then chosen = action end
    end
  end
  if chosen == nil then return fail("no 'Generate docstring' action: " .. vim.inspect(responses)) end

  if chosen.edit == nil and chosen.data ~= nil then
    local resolved = client.request_sync("codeAction/resolve", chosen, 10000, bufnr)
    if resolved == nil or resolved.err then return fail("resolve failed: " .. vim.inspect(resolved)) end
    chosen = resolved.result
  end
  if chosen.edit then
    vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or "utf-16")
  elseif chosen.command then
    local before = vim.api.nvim_buf_get_changedtick(bufnr)
    client.request_sync("workspace/executeCommand", chosen.command, 10000, bufnr)
    vim.wait(10000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= before end, 20)
  else
    return fail("the action has neither an edit nor a command: " .. vim.inspect(chosen))
  end
  vim.cmd("write")
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write("ok: " .. chosen.title)
  out:close()
  vim.lsp.stop_client(client_id)
  vim.wait(2000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
end)
if not ok then fail(tostring(err)) end
vim.cmd("qall!")
