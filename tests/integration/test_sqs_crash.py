"""The crash test (issue 4): kill -9 during sustained send/receive/delete;
after the restart every acknowledged message is present exactly once, or
was deleted by its consumer (an acknowledged delete never comes back)."""
import signal
import threading
import time



def client(boto, endpoint):
    return boto("sqs", endpoint, config_kw={"connect_timeout": 2, "read_timeout": 5})


def test_kill_9_loses_nothing_acknowledged(fresh_nuage, boto):
    n = fresh_nuage().start()
    setup = client(boto, n.endpoint)
    url = setup.create_queue(QueueName="crash", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    acked, attempted, deleted, delete_sent = set(), set(), set(), set()
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def producer(k):
        c = client(boto, n.endpoint)
        i = 0
        while not stop.is_set():
            ids = ["p%d-%d-%d" % (k, i, j) for j in range(10)]
            i += 1
            with lock:
                attempted.update(ids)
            try:
                r = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "e%d" % j, "MessageBody": b}
                                                                for j, b in enumerate(ids)])
            except Exception:  # the crash: not acknowledged
                continue
            ok = {ids[int(e["Id"][1:])] for e in r["Successful"]}
            if r.get("Failed"):
                errors.append(r["Failed"])
            with lock:
                acked.update(ok)

    def consumer():
        c = client(boto, n.endpoint)
        while not stop.is_set():
            try:
                msgs = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not msgs:
                    continue
                with lock:
                    delete_sent.update(m["Body"] for m in msgs)
                r = c.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
            except Exception:
                continue
            done = {msgs[int(e["Id"][1:])]["Body"] for e in r["Successful"]}
            with lock:
                deleted.update(done)

    threads = [threading.Thread(target=producer, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=consumer) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(3)
    n.proc.send_signal(signal.SIGKILL)  # mid-traffic, no clean shutdown
    n.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    n.log.close()
    assert len(acked) > 100 and len(deleted) > 10, (len(acked), len(deleted))
    assert not errors, errors

    n2 = fresh_nuage(data=n.data).start()
    c = client(boto, n2.endpoint)
    url2 = c.get_queue_url(QueueName="crash")["QueueUrl"]
    present = []
    empty_polls = 0
    while empty_polls < 2:  # in-flight messages come back after their 5 s visibility timeout
        msgs = c.receive_message(QueueUrl=url2, MaxNumberOfMessages=10, WaitTimeSeconds=3).get("Messages", [])
        if not msgs:
            empty_polls += 1
            continue
        empty_polls = 0
        present += [m["Body"] for m in msgs]
        c.delete_message_batch(QueueUrl=url2, Entries=[{"Id": "x%d" % i, "ReceiptHandle": m["ReceiptHandle"]}
                                                       for i, m in enumerate(msgs)])
    left = c.get_queue_attributes(QueueUrl=url2, AttributeNames=["All"])["Attributes"]
    assert left["ApproximateNumberOfMessages"] == "0" and left["ApproximateNumberOfMessagesNotVisible"] == "0"
    dupes = {b for b in present if present.count(b) > 1}
    assert not dupes, sorted(dupes)[:10]
    present = set(present)
    back_from_the_dead = present & deleted
    assert not back_from_the_dead, sorted(back_from_the_dead)[:10]
    # A delete the crash cut short may or may not have happened: only
    # messages nobody tried to delete must all be there.
    lost = acked - present - delete_sent
    assert not lost, "%d acknowledged messages lost, e.g. %s" % (len(lost), sorted(lost)[:10])
    # Nothing appears that was never sent.
    assert present <= attempted, sorted(present - attempted)[:10]
