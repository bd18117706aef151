"""A sensor that talks MQTT with paho-mqtt: publishes a temperature reading
every few seconds, listens for commands, and tells the broker (through a
retained status and a last will) whether it is online.

Works with paho-mqtt 1.6 (Debian/Ubuntu python3-paho-mqtt) and 2.x (pip).

Run (the login is what `siar start --lan` prints):
    MQTT_HOST=192.168.1.23 MQTT_USERNAME=device MQTT_PASSWORD=... python3 paho_example.py
Then, from another terminal:
    siar sub -h 192.168.1.23 -u device -P ... -t 'sensors/#' -v
    siar pub -h 192.168.1.23 -u device -P ... -t devices/py-1/cmd -m led-on
"""
import os
import random
import sys
import threading

import paho.mqtt.client as mqtt

HOST = os.environ.get("MQTT_HOST", "127.0.0.1")
PORT = int(os.environ.get("MQTT_PORT", "1883"))
USERNAME = os.environ.get("MQTT_USERNAME")
PASSWORD = os.environ.get("MQTT_PASSWORD")
DEVICE = os.environ.get("DEVICE_ID", "py-1")
INTERVAL = float(os.environ.get("INTERVAL_SECONDS", "5"))
READINGS = int(os.environ.get("READINGS", "0"))  # 0 = until a "stop" command

TEMP_TOPIC = f"sensors/{DEVICE}/temp"
CMD_TOPIC = f"devices/{DEVICE}/cmd"
STATUS_TOPIC = f"devices/{DEVICE}/status"

stop = threading.Event()
answered = threading.Event()  # the broker sent its CONNACK, yes or no
refused = []


def say(text):
    print(text, flush=True)


def new_client(client_id):
    # paho-mqtt 2.x asks which callback signatures we use; 1.x has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    return mqtt.Client(client_id=client_id)


def reason_text(code):
    # 1.x passes an int, 2.x a ReasonCode object that prints as words.
    return mqtt.connack_string(code) if isinstance(code, int) else str(code)


# The trailing properties=None makes one signature fit both paho versions.
def on_connect(client, userdata, flags, reason_code, properties=None):
    if reason_code != 0:
        say(f"connect refused: {reason_text(reason_code)} (check MQTT_USERNAME and MQTT_PASSWORD)")
        refused.append(reason_code)
        stop.set()
        answered.set()
        return
    say(f"connected to {HOST}:{PORT} as {DEVICE}")
    answered.set()
    # Subscribing here (not once at start) restores it after a reconnect.
    client.subscribe(CMD_TOPIC, qos=1)
    # Retained: whoever subscribes later still learns that we are online.
    client.publish(STATUS_TOPIC, "online", qos=1, retain=True)


def on_subscribe(client, userdata, mid, granted, properties=None):
    say(f"listening for commands on {CMD_TOPIC}")


def on_message(client, userdata, msg):
    command = msg.payload.decode("utf-8", "replace")
    say(f"command: {command}")
    if command == "stop":
        stop.set()


def main():
    client = new_client(f"{DEVICE}-{random.randrange(1 << 16):04x}")
    if USERNAME is not None:
        client.username_pw_set(USERNAME, PASSWORD)
    # The broker publishes this if we vanish without saying goodbye (power cut, Wi-Fi lost).
    client.will_set(STATUS_TOPIC, "offline", qos=1, retain=True)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    try:
        client.connect(HOST, PORT, keepalive=30)
    except OSError as err:
        say(f"cannot reach {HOST}:{PORT}: {err} (try: siar doctor)")
        return 1
    client.loop_start()
    if not answered.wait(10):
        say(f"no answer from {HOST}:{PORT} within 10 s (try: siar doctor)")
        stop.set()

    sent = 0
    while not stop.is_set():
        if client.is_connected():
            celsius = round(21.0 + random.uniform(-1.5, 1.5), 1)
            client.publish(TEMP_TOPIC, f"{celsius}", qos=1).wait_for_publish()
            sent += 1
            say(f"published {TEMP_TOPIC} {celsius}")
            if READINGS and sent >= READINGS:
                break
        stop.wait(INTERVAL)

    if client.is_connected():
        # A clean goodbye: the will is not sent, so say "offline" ourselves.
        client.publish(STATUS_TOPIC, "offline", qos=1, retain=True).wait_for_publish()
        client.disconnect()
    client.loop_stop()
    say("bye")
    return 1 if refused or sent == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
