// The names of supervisord's events (its events.py EventTypes), which an
// [eventlistener:x] section's `events =` line names: event types and the groups of them.
#ifndef TEND_EVENT_NAMES_H_
#define TEND_EVENT_NAMES_H_

#include <string_view>

namespace tend {

/// Whether `name` is an event type or a group of them that supervisord knows (EVENT,
/// PROCESS_STATE, PROCESS_STATE_RUNNING, TICK, TICK_60...), in upper case.
bool KnownEventName(std::string_view name);

/// Whether subscribing to `subscribed` (a type or a group) delivers events of type
/// `type`: PROCESS_STATE covers PROCESS_STATE_FATAL, EVENT covers every type, a type
/// covers itself.
bool EventCovers(std::string_view subscribed, std::string_view type);

}  // namespace tend

#endif  // TEND_EVENT_NAMES_H_
