package ai.mozaiks.broker;

import ai.mozaiks.api.Validation;
import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code POST /api/sessions}: start a chat of a workflow in an app, or resume one of yours. */
public record SessionRequests() {

    public record StartSession(@JsonProperty("app_id") String appId, @JsonProperty("workflow_name") String workflowName,
                               @JsonProperty("chat_id") String chatId, @JsonProperty("client_request_id") String clientRequestId) {
        public void validate() {
            Validation validation = new Validation().text("app_id", appId, 64, true).text("workflow_name", workflowName, 64, true)
                    .text("chat_id", chatId, 64, false).text("client_request_id", clientRequestId, 200, false);
            validation.require(appId == null || appId.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}"), "app_id", "is not an app id");
            validation.require(workflowName == null || workflowName.matches("[A-Za-z0-9_]{1,64}"), "workflow_name", "is not a workflow name");
            validation.check();
        }
    }
}
