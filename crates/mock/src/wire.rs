//! Wire bodies: the error envelopes and content-filter result sets the real services send.

use serde_json::{Value, json};

/// Azure gateway style: `{"error":{"code","message"}}`.
pub(crate) fn azure_error(code: impl Into<Value>, message: &str) -> Value {
    json!({"error": {"code": code.into(), "message": message}})
}

/// OpenAI style: `{"error":{"message","type","param","code"}}`.
pub(crate) fn openai_error(message: &str, ty: Option<&str>, param: Option<&str>, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": ty, "param": param, "code": code}})
}

pub(crate) fn invalid_request(message: &str, param: Option<&str>, code: Option<&str>) -> Value {
    openai_error(message, Some("invalid_request_error"), param, code)
}

pub(crate) const RESOURCE_NOT_FOUND: &str = "Resource not found";

pub(crate) const BAD_KEY: &str = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

/// The APIM body (no envelope) for a missing, invalid or expired bearer token.
pub(crate) fn apim_unauthorized() -> Value {
    json!({
        "statusCode": 401,
        "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."
    })
}

pub(crate) fn permission_denied() -> Value {
    azure_error("PermissionDenied", "Principal does not have access to API/Operation.")
}

pub(crate) fn firewall() -> Value {
    azure_error("403", "Access denied due to Virtual Network/Firewall rules.")
}

pub(crate) fn deployment_not_found() -> Value {
    azure_error(
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
    )
}

pub(crate) fn server_error(request_id: &str) -> Value {
    openai_error(
        &format!(
            "The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if the error persists. (Please include the request ID {request_id} in your message.)"
        ),
        Some("server_error"),
        None,
        None,
    )
}

pub(crate) fn status_error(status: u16) -> Value {
    match status {
        502 => azure_error("BadGateway", "Bad gateway."),
        503 => azure_error(
            "ServiceUnavailable",
            "The service is temporarily unable to process your request. Please try again later.",
        ),
        504 => azure_error("Timeout", "The operation was timeout."),
        s => azure_error(s.to_string(), "The service returned an error."),
    }
}

pub(crate) fn html_page(status: u16) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} Error</title></head>\n<body><h1>{status} Error</h1><p>The gateway could not complete your request.</p></body></html>\n"
    )
}

pub(crate) fn insufficient_quota() -> Value {
    openai_error(
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        Some("insufficient_quota"),
        None,
        Some("insufficient_quota"),
    )
}

/// Azure 429 text; `operation` is e.g. "ChatCompletions_Create".
pub(crate) fn rate_limit_message(operation: &str, api_version: &str, tokens: bool, secs: i64) -> String {
    let what = if tokens { "token rate limit" } else { "call rate limit" };
    format!(
        "Requests to the {operation} Operation under Azure OpenAI API version {api_version} have exceeded {what} of your current OpenAI S0 pricing tier. Please retry after {secs} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
    )
}

pub(crate) fn high_demand_message(secs: i64) -> String {
    format!(
        "The system is currently experiencing high demand and cannot process your request. Your request exceeds the maximum usage size allowed during peak load. For improved capacity reliability, consider switching to Provisioned Throughput. Please retry after {secs} seconds."
    )
}

fn severity(filtered: bool, level: &str) -> Value {
    json!({"filtered": filtered, "severity": level})
}

fn detected(filtered: bool) -> Value {
    json!({"filtered": filtered, "detected": filtered})
}

pub(crate) fn prompt_filter_results(jailbreak: bool) -> Value {
    json!({
        "hate": severity(false, "safe"),
        "jailbreak": detected(jailbreak),
        "self_harm": severity(false, "safe"),
        "sexual": severity(false, "safe"),
        "violence": severity(false, "safe"),
    })
}

pub(crate) fn completion_filter_results(filtered: bool) -> Value {
    json!({
        "hate": severity(false, "safe"),
        "protected_material_code": detected(false),
        "protected_material_text": detected(false),
        "self_harm": severity(false, "safe"),
        "sexual": severity(false, "safe"),
        "violence": if filtered { severity(true, "medium") } else { severity(false, "safe") },
    })
}

pub(crate) fn filter_unavailable() -> Value {
    json!({"error": {"code": "content_filter_error", "message": "The contents are not filtered"}})
}

/// 400 for a prompt the input filter caught, in the wire form (`innererror.content_filter_result`).
pub(crate) fn input_filtered() -> Value {
    json!({"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        "type": null,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": prompt_filter_results(true)
        }
    }})
}
