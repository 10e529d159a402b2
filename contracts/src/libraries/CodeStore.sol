// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title CodeStore
/// @notice Bytes kept as contract code ("code-as-storage", the SSTORE2 idea): writing costs the
///         32,000 CREATE base plus 200 gas per byte of code deposit, instead of 22,100 per 32-byte
///         storage slot, and reading back is one EXTCODECOPY. The stored code starts with a STOP
///         byte so that calling the data contract does nothing.
/// @dev    Two ways to create the data contract:
///         - `store` (CREATE): the data travels in the initcode; the caller keeps the address.
///         - `storeAt` (CREATE2 under a salt): the initcode is a constant 30-byte stub that calls
///           back `codeStorePending()` on the creating contract and returns what it answers as the
///           runtime code. The address is then a function of the salt alone, so nothing needs to
///           be kept in storage to find the data again. The creating contract must expose
///           `codeStorePending()` and answer with `CodeStore.returnPending()`. Data longer than
///           one contract may hold (EIP-170: 24,576 bytes of code) is split over several
///           contracts under derived salts.
library CodeStore {
    error CodeStoreCreateFailed();

    /// @dev Largest payload of one data contract: EIP-170's 24,576-byte code limit minus the STOP byte.
    uint256 internal constant MAX_CHUNK = 24_575;

    /// @dev Transient slot of the pending chunk (length, then the words): keccak256("faas.CodeStore.pending").
    uint256 internal constant PENDING_SLOT = 0xe8167462b08732fce03478f9c8033fde273f401af49bedaef3ea26250b0d4b07;

    /// @dev selector of codeStorePending(): bytes4(keccak256("codeStorePending()")).
    bytes4 internal constant PENDING_SELECTOR = bytes4(keccak256("codeStorePending()"));

    /// @dev The CREATE2 stub (runs as initcode, CALLER = the creating contract):
    ///      PUSH4 0x9457a9a3 PUSH0 MSTORE               ; memory[28..32] = codeStorePending()
    ///      PUSH0 PUSH0 PUSH1 4 PUSH1 28 CALLER GAS STATICCALL
    ///      PUSH1 0x16 JUMPI PUSH0 PUSH0 REVERT         ; failed callback -> no contract
    ///      JUMPDEST RETURNDATASIZE PUSH0 PUSH0 RETURNDATACOPY
    ///      RETURNDATASIZE PUSH0 RETURN                 ; runtime code = the callback's raw answer
    bytes internal constant STUB = hex"639457a9a35f525f5f6004601c335afa6016575f5ffd5b3d5f5f3e3d5ff3";

    /// @notice keccak256 of the CREATE2 stub, for computing data-contract addresses off-chain.
    bytes32 internal constant STUB_HASH = keccak256(STUB);

    // ------------------------------------------------------------------ CREATE

    /// @notice Deploys `data` (at most MAX_CHUNK bytes) as code; returns the data contract.
    function store(bytes memory data) internal returns (address ptr) {
        // initcode: PUSH2 n DUP1 PUSH1 10 PUSH0 CODECOPY PUSH0 RETURN, then the runtime 00 || data
        bytes memory initcode = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a5f395ff300", data);
        assembly ("memory-safe") {
            ptr := create(0, add(initcode, 0x20), mload(initcode))
        }
        if (ptr == address(0)) revert CodeStoreCreateFailed();
    }

    /// @notice `len` bytes of the data stored at `ptr`, from byte `offset` of the data.
    function read(address ptr, uint256 offset, uint256 len) internal view returns (bytes memory data) {
        data = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(ptr, add(data, 0x20), add(offset, 1), len)
        }
    }

    /// @notice All the data stored at `ptr` (empty when nothing is there).
    function load(address ptr) internal view returns (bytes memory) {
        uint256 size = ptr.code.length;
        return size == 0 ? new bytes(0) : read(ptr, 0, size - 1);
    }

    // ------------------------------------------------------------------ CREATE2

    /// @notice Salt of chunk `i` of the data stored under `salt`.
    function chunkSalt(bytes32 salt, uint256 i) internal pure returns (bytes32) {
        return i == 0 ? salt : keccak256(abi.encode(salt, i));
    }

    /// @notice The data contract of chunk `i` under `salt`, created by `deployer`.
    function chunkAddress(address deployer, bytes32 salt, uint256 i) internal pure returns (address) {
        return address(
            uint160(uint256(keccak256(abi.encodePacked(hex"ff", deployer, chunkSalt(salt, i), STUB_HASH))))
        );
    }

    /// @notice Stores `data` (any length) under `salt`; this contract must answer
    ///         codeStorePending() with returnPending(). Reverts CodeStoreCreateFailed if the salt
    ///         was used before.
    function storeAt(bytes32 salt, bytes memory data) internal {
        bytes memory stub = STUB;
        uint256 total = data.length;
        uint256 off = 0;
        uint256 i = 0;
        do {
            uint256 len = total - off < MAX_CHUNK ? total - off : MAX_CHUNK;
            bytes32 s = chunkSalt(salt, i);
            address ptr;
            assembly ("memory-safe") {
                tstore(PENDING_SLOT, len)
                let src := add(add(data, 0x20), off)
                for { let w := 0 } lt(w, len) { w := add(w, 0x20) } {
                    tstore(add(PENDING_SLOT, add(1, shr(5, w))), mload(add(src, w)))
                }
                ptr := create2(0, add(stub, 0x20), mload(stub), s)
                tstore(PENDING_SLOT, 0)
            }
            if (ptr == address(0)) revert CodeStoreCreateFailed();
            off += len;
            i++;
        } while (off < total);
    }

    /// @notice Answers the CREATE2 stub's callback: returns (raw, not ABI-encoded) 0x00 || pending
    ///         chunk, or just 0x00 when no storeAt is in progress.
    function returnPending() internal view {
        assembly {
            let len := tload(PENDING_SLOT)
            let m := mload(0x40)
            mstore8(m, 0)
            for { let w := 0 } lt(w, len) { w := add(w, 0x20) } {
                mstore(add(add(m, 1), w), tload(add(PENDING_SLOT, add(1, shr(5, w)))))
            }
            return(m, add(len, 1))
        }
    }

    /// @notice The data stored under `salt` by `deployer` with storeAt; empty if none. `exists`
    ///         tells an empty stored value from nothing stored.
    function loadAt(address deployer, bytes32 salt) internal view returns (bool exists, bytes memory data) {
        address ptr = chunkAddress(deployer, salt, 0);
        uint256 size = ptr.code.length;
        if (size == 0) return (false, data);
        data = read(ptr, 0, size - 1);
        for (uint256 i = 1; size == MAX_CHUNK + 1; i++) {
            ptr = chunkAddress(deployer, salt, i);
            size = ptr.code.length;
            if (size == 0) break;
            data = bytes.concat(data, read(ptr, 0, size - 1));
        }
        return (true, data);
    }
}
