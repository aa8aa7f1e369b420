#include "config/event_names.h"

namespace tend {

namespace {

// supervisord's EventTypes: each type with the abstract group it belongs to ("" for
// EVENT's direct members). EVENT itself covers all of them.
struct EventType {
  const char* name;
  const char* group;
};
constexpr EventType kEventTypes[] = {
    {"PROCESS_STATE", ""},
    {"PROCESS_STATE_STOPPED", "PROCESS_STATE"},
    {"PROCESS_STATE_EXITED", "PROCESS_STATE"},
    {"PROCESS_STATE_STARTING", "PROCESS_STATE"},
    {"PROCESS_STATE_STOPPING", "PROCESS_STATE"},
    {"PROCESS_STATE_BACKOFF", "PROCESS_STATE"},
    {"PROCESS_STATE_FATAL", "PROCESS_STATE"},
    {"PROCESS_STATE_RUNNING", "PROCESS_STATE"},
    {"PROCESS_STATE_UNKNOWN", "PROCESS_STATE"},
    {"PROCESS_COMMUNICATION", ""},
    {"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION"},
    {"PROCESS_COMMUNICATION_STDERR", "PROCESS_COMMUNICATION"},
    {"PROCESS_LOG", ""},
    {"PROCESS_LOG_STDOUT", "PROCESS_LOG"},
    {"PROCESS_LOG_STDERR", "PROCESS_LOG"},
    {"REMOTE_COMMUNICATION", ""},
    {"SUPERVISOR_STATE_CHANGE", ""},
    {"SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE"},
    {"SUPERVISOR_STATE_CHANGE_STOPPING", "SUPERVISOR_STATE_CHANGE"},
    {"TICK", ""},
    {"TICK_5", "TICK"},
    {"TICK_60", "TICK"},
    {"TICK_3600", "TICK"},
    {"PROCESS_GROUP", ""},
    {"PROCESS_GROUP_ADDED", "PROCESS_GROUP"},
    {"PROCESS_GROUP_REMOVED", "PROCESS_GROUP"},
};

}  // namespace

bool KnownEventName(std::string_view name) {
  if (name == "EVENT") return true;
  for (const EventType& t : kEventTypes) {
    if (name == t.name) return true;
  }
  return false;
}

bool EventCovers(std::string_view subscribed, std::string_view type) {
  if (subscribed == "EVENT" || subscribed == type) return true;
  for (const EventType& t : kEventTypes) {
    if (type == t.name) return subscribed == t.group;
  }
  return false;
}

}  // namespace tend
