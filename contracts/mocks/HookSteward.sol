// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/HookSteward.sol)
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {Contributor, ParentEdge} from "../interfaces/StemmaTypes.sol";
import {HookToken, ITokenHooks} from "./HookToken.sol";

/**
 * @dev The attack of audit finding F3, as a steward contract: it pays its own model in {HookToken} and, inside the
 * token's `tokensToSend` hook (before the tokens move), starts a new contributor epoch and tries to propagate a
 * child's upstream into the model. It records how the propagation ended instead of reverting, so that the payment
 * goes through and a test can check the bookkeeping it leaves.
 */
contract HookSteward is ITokenHooks {
    IModelRegistry private immutable _registry;
    IRevenueRouter private immutable _router;

    bytes32 private _modelId;
    Contributor[] private _nextSet;
    bytes32 private _childId;
    ParentEdge[] private _childParents;
    bool private _armed;

    /// @dev The revert data of the propagation attempted inside the hook (empty when it succeeded).
    bytes public propagateError;
    /// @dev Whether the hook ran its attack.
    bool public attacked;

    constructor(IModelRegistry registry_, IRevenueRouter router_) {
        _registry = registry_;
        _router = router_;
    }

    /// @dev Sets what the hook will do: start an epoch of `modelId` with `nextSet`, then propagate `childId`.
    function prepare(
        bytes32 modelId,
        Contributor[] calldata nextSet,
        bytes32 childId,
        ParentEdge[] calldata childParents
    ) external {
        _modelId = modelId;
        delete _nextSet;
        for (uint256 i = 0; i < nextSet.length; ++i) _nextSet.push(nextSet[i]);
        _childId = childId;
        delete _childParents;
        for (uint256 i = 0; i < childParents.length; ++i) _childParents.push(childParents[i]);
    }

    /// @dev Pays `amount` of `token` (held by this contract) to the model, with the hook armed.
    function payWithHook(HookToken token, uint256 amount) external {
        token.setHooks(this);
        IERC20(address(token)).approve(address(_router), amount);
        _armed = true;
        _router.pay(_modelId, address(token), amount);
        _armed = false;
    }

    /// @inheritdoc ITokenHooks
    function tokensToSend(address, address, uint256) external {
        if (!_armed) return;
        _armed = false;
        attacked = true;
        _registry.setContributors(_modelId, _nextSet);
        try _router.propagate(_childId, msg.sender, _childParents) {
            delete propagateError;
        } catch (bytes memory reason) {
            propagateError = reason;
        }
    }

    /// @inheritdoc ITokenHooks
    /// @dev The attack needs only the sender's hook.
    // solhint-disable-next-line no-empty-blocks
    function tokensReceived(address, address, uint256) external {}
}
