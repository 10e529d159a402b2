// SPDX-License-Identifier: MIT
// Test contract for libeth's network tests (test_client.c, test_sub.c):
// events to subscribe to, and every kind of revert a client must describe.
pragma solidity ^0.8.20;

contract Events {
    event Ping(uint256 indexed seq, address indexed from, bytes note);
    event Stored(uint256 value);

    error Unauthorized(address caller, uint256 code);

    uint256 public value;
    uint256 public pings;

    constructor(uint256 initial) {
        value = initial;
    }

    function store(uint256 v) external {
        value = v;
        emit Stored(v);
    }

    // One Ping per call with the next sequence number, so a subscriber can
    // check it saw every event exactly once and in order.
    function ping(bytes calldata note) external {
        pings += 1;
        emit Ping(pings, msg.sender, note);
    }

    // Several events in one transaction (ordering inside a block).
    function pingMany(uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            pings += 1;
            emit Ping(pings, msg.sender, "");
        }
    }

    function failString() external pure {
        revert("boom: not allowed");
    }

    function failCustom(uint256 code) external view {
        revert Unauthorized(msg.sender, code);
    }

    function failPanic(uint256 x) external pure returns (uint256) {
        return 1 - x; // Panic(0x11) for x > 1
    }

    // Reverts only while value is odd, to test replaying a mined failure.
    function failIfOdd() external {
        require(value % 2 == 0, "value is odd");
        value += 2;
    }
}
